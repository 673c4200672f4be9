//! Network benchmarks, `runtime::net` and `tokio::net` side by side (issue
//! 16): echo round trips over 1 and 64 loopback connections with 64 B and
//! 16 KiB messages, and the rate of accepting connections. Each workload is
//! written once over [`Net`]; both stream types implement tokio's
//! `AsyncRead`/`AsyncWrite`. One runtime is alive at a time, with the same
//! number of workers (`BENCH_WORKERS`, default 2).
//!
//! ```text
//! cargo bench -p runtime-benches --features bench --bench net                  # criterion
//! BENCH_METRICS=1 cargo bench -p runtime-benches --features bench --bench net  # interleaved medians and ratios
//! ```

use criterion::{Criterion, Throughput};
use runtime::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use runtime_benches::workers;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

/// What a workload needs of a runtime and its sockets.
trait Net: Sized + 'static {
    type Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    type Listener: Send + Sync + 'static;
    fn build() -> Self;
    fn block_on<F: Future>(&self, f: F) -> F::Output;
    fn spawn<F: Future<Output = ()> + Send + 'static>(f: F);
    fn bind() -> impl Future<Output = (Self::Listener, SocketAddr)> + Send;
    fn accept(l: &Self::Listener) -> impl Future<Output = Self::Stream> + Send;
    fn connect(addr: SocketAddr) -> impl Future<Output = Self::Stream> + Send;
}

struct Ours(runtime::Runtime);

impl Net for Ours {
    type Stream = runtime::net::TcpStream;
    type Listener = runtime::net::TcpListener;
    fn build() -> Self {
        Ours(
            runtime::Builder::new_multi_thread()
                .worker_threads(workers())
                .build()
                .unwrap(),
        )
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
    fn spawn<F: Future<Output = ()> + Send + 'static>(f: F) {
        runtime::spawn(f);
    }
    async fn bind() -> (Self::Listener, SocketAddr) {
        let l = runtime::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let a = l.local_addr().unwrap();
        (l, a)
    }
    async fn accept(l: &Self::Listener) -> Self::Stream {
        let s = l.accept().await.unwrap().0;
        s.set_nodelay(true).unwrap();
        s
    }
    async fn connect(addr: SocketAddr) -> Self::Stream {
        let s = runtime::net::TcpStream::connect(addr).await.unwrap();
        s.set_nodelay(true).unwrap();
        s
    }
}

struct Tokio(tokio::runtime::Runtime);

impl Net for Tokio {
    type Stream = tokio::net::TcpStream;
    type Listener = tokio::net::TcpListener;
    fn build() -> Self {
        Tokio(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers())
                .enable_all()
                .build()
                .unwrap(),
        )
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
    fn spawn<F: Future<Output = ()> + Send + 'static>(f: F) {
        tokio::spawn(f);
    }
    async fn bind() -> (Self::Listener, SocketAddr) {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let a = l.local_addr().unwrap();
        (l, a)
    }
    async fn accept(l: &Self::Listener) -> Self::Stream {
        let s = l.accept().await.unwrap().0;
        s.set_nodelay(true).unwrap();
        s
    }
    async fn connect(addr: SocketAddr) -> Self::Stream {
        let s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.set_nodelay(true).unwrap();
        s
    }
}

/// `conns` connections; on each, `rounds` round trips of a `size`-byte
/// message to an echo task and back. Setup (bind, connect, accept) is inside
/// the iteration: it is small next to the round trips.
fn echo<N: Net>(rt: &N, conns: usize, size: usize, rounds: usize) {
    rt.block_on(async move {
        let (listener, addr) = N::bind().await;
        let server = async move {
            for _ in 0..conns {
                let mut s = N::accept(&listener).await;
                N::spawn(async move {
                    let mut buf = vec![0u8; size];
                    while s.read_exact(&mut buf).await.is_ok() {
                        if s.write_all(&buf).await.is_err() {
                            break;
                        }
                    }
                });
            }
        };
        N::spawn(server);
        let (tx, mut rx) = tokio::sync::mpsc::channel::<()>(conns);
        for _ in 0..conns {
            let tx = tx.clone();
            N::spawn(async move {
                let mut s = N::connect(addr).await;
                let msg = vec![7u8; size];
                let mut buf = vec![0u8; size];
                for _ in 0..rounds {
                    s.write_all(&msg).await.unwrap();
                    s.read_exact(&mut buf).await.unwrap();
                }
                tx.send(()).await.unwrap();
            });
        }
        for _ in 0..conns {
            rx.recv().await.unwrap();
        }
    })
}

/// `n` connections made, accepted and closed.
fn accept_rate<N: Net>(rt: &N, n: usize) {
    rt.block_on(async move {
        let (listener, addr) = N::bind().await;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<()>(1);
        N::spawn(async move {
            for _ in 0..n {
                drop(N::accept(&listener).await);
            }
            tx.send(()).await.unwrap();
        });
        for _ in 0..n {
            drop(N::connect(addr).await);
        }
        rx.recv().await.unwrap();
    })
}

/// name, bytes moved per iteration, and the workload for either runtime.
struct Case {
    name: &'static str,
    bytes: u64,
    ours: fn(&Ours),
    tokio: fn(&Tokio),
}

macro_rules! echo_case {
    ($name:expr, $conns:expr, $size:expr, $rounds:expr) => {
        Case {
            name: $name,
            bytes: 2 * $conns * $size * $rounds,
            ours: |r| echo(r, $conns, $size, $rounds),
            tokio: |r| echo(r, $conns, $size, $rounds),
        }
    };
}

fn cases() -> Vec<Case> {
    vec![
        echo_case!("echo/1x64B", 1, 64, 2000),
        echo_case!("echo/64x64B", 64, 64, 100),
        echo_case!("echo/1x16KiB", 1, 16384, 500),
        echo_case!("echo/64x16KiB", 64, 16384, 20),
        Case {
            name: "accept/1000",
            bytes: 0,
            ours: |r| accept_rate(r, 1000),
            tokio: |r| accept_rate(r, 1000),
        },
    ]
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// `BENCH_METRICS=1`: each workload `BENCH_ROUNDS` (default 11) times,
/// alternating the runtimes, each built afresh per round (one alive at a
/// time); medians and the median of the per-round ratios.
fn print_interleaved(filter: &str) {
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(11);
    println!(
        "{:<16} {:>10} {:>10} {:>7}   ({} workers; medians of {rounds} alternating rounds; ratio runtime/tokio: median (min-max) of per-round ratios)",
        "workload", "runtime", "tokio", "ratio", workers()
    );
    for case in cases()
        .into_iter()
        .filter(|c| filter == "1" || c.name.contains(filter))
    {
        let (mut a, mut b, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let time_ours = || {
                let rt = Ours::build();
                (case.ours)(&rt); // warm up
                let t = std::time::Instant::now();
                (case.ours)(&rt);
                t.elapsed()
            };
            let time_tokio = || {
                let rt = Tokio::build();
                (case.tokio)(&rt);
                let t = std::time::Instant::now();
                (case.tokio)(&rt);
                t.elapsed()
            };
            let (x, y) = if round % 2 == 0 {
                let x = time_ours();
                (x, time_tokio())
            } else {
                let y = time_tokio();
                (time_ours(), y)
            };
            ratios.push(x.as_secs_f64() / y.as_secs_f64());
            a.push(x);
            b.push(y);
        }
        ratios.sort_by(f64::total_cmp);
        println!(
            "{:<16} {:>10.3?} {:>10.3?} {:>7.2}   ({:.2}-{:.2})",
            case.name,
            median(a),
            median(b),
            ratios[rounds / 2],
            ratios[0],
            ratios[rounds - 1]
        );
    }
}

fn main() {
    if let Some(filter) = std::env::var("BENCH_METRICS").ok().filter(|v| v != "0") {
        print_interleaved(&filter);
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    for case in cases() {
        let mut group = c.benchmark_group(case.name);
        group
            .sample_size(20)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        if case.bytes > 0 {
            group.throughput(Throughput::Bytes(case.bytes));
        }
        {
            let rt = Ours::build();
            group.bench_function("runtime", |b| b.iter(|| (case.ours)(&rt)));
        }
        {
            let rt = Tokio::build();
            group.bench_function("tokio", |b| b.iter(|| (case.tokio)(&rt)));
        }
        group.finish();
    }
    c.final_summary();
}
