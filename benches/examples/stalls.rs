//! One task that blocks its worker thread, and how late the others are:
//! the table of "When a task blocks" (README), replayed on this runtime,
//! tokio and smol, 2 workers each. A *blocker* is a task that calls
//! `std::thread::sleep(2 s)` inside one poll (a forgotten `spawn_blocking`);
//! each situation measures the *lateness* of an unrelated task — how much
//! later than it would have on an idle runtime it ran — in milliseconds,
//! the median of `RUNS` runs (default 3; the three runtimes' runs are
//! interleaved, a fresh runtime for each).
//!
//! ```text
//! cargo run --release -p runtime-benches --features bench --example stalls            # print the table
//! cargo run --release -p runtime-benches --features bench --example stalls -- --write # and write it into BENCHMARKS.md
//! ONLY=3,4 RUNS=1 cargo run --release -p runtime-benches --features bench --example stalls  # some situations
//! RESCUE=off cargo run --release -p runtime-benches --features bench --example stalls # this runtime without rescue
//! ```
//!
//! `--write` replaces the block between the `stalls-table` markers of
//! BENCHMARKS.md (with the date, commit and load average), as
//! `benches/sides.sh` does for its tables; it refuses a partial run (`ONLY`)
//! and `RESCUE=off` (`stall_threshold(None)`: the "before" column).
//! Takes about 2.5 minutes. This runtime runs with its defaults (the
//! rescue on, `stall_threshold` 20 ms): its slow-poll reports of the
//! blockers go to stderr, next to the per-run figures. The situations are
//! described in [`EXPLAINED`], which `--write` puts under the table.

use futures::stream::{FuturesUnordered, StreamExt};
use std::future::Future;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a blocker blocks its thread.
const BLOCK: Duration = Duration::from_secs(2);
/// Time for a runtime's workers to go to sleep before a scenario starts.
const SETTLE: Duration = Duration::from_millis(50);
/// The longest a scenario waits for anything; past it the run is broken.
const BOUND: Duration = Duration::from_secs(30);
/// Worker threads of each runtime.
const WORKERS: usize = 2;

/// What the situations need of a runtime.
trait Rt: Sized + 'static {
    const NAME: &'static str;
    /// A runtime with [`WORKERS`] workers, started and settled.
    fn build() -> Self;
    /// Spawns a task from outside the runtime (a plain thread).
    fn spawn_remote(&self, f: impl Future<Output = ()> + Send + 'static);
    /// Spawns a task from inside one of this runtime's tasks.
    fn spawn(f: impl Future<Output = ()> + Send + 'static);
    /// A timer, its deadline taken now (not at its first poll).
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send + 'static;
    fn yield_now() -> impl Future<Output = ()> + Send + 'static;
    /// A TCP echo server on loopback for one connection: the connection's
    /// task calls `on_byte` inside its poll for every byte it read, then
    /// echoes it, until the client closes.
    fn echo_server(&self, on_byte: OnByte) -> SocketAddr;
}

type OnByte = Arc<dyn Fn(u8) + Send + Sync>;

/// Builds `R`, runs one task to get its threads going, and lets it settle.
fn fresh<R: Rt>() -> Fresh<R> {
    let rt = R::build();
    let (tx, rx) = mpsc::channel();
    rt.spawn_remote(async move { tx.send(()).unwrap() });
    rx.recv_timeout(BOUND).expect("the runtime runs nothing");
    std::thread::sleep(SETTLE);
    Fresh(rt)
}

/// A runtime for one run. The scenarios learn what they measure from
/// inside their tasks' last polls; dropped, it gives those polls a moment
/// to return first, so that the runtime ends with no task left (and this
/// runtime prints no warning about cancelled tasks).
struct Fresh<R: Rt>(R);

impl<R: Rt> std::ops::Deref for Fresh<R> {
    type Target = R;
    fn deref(&self) -> &R {
        &self.0
    }
}

impl<R: Rt> Drop for Fresh<R> {
    fn drop(&mut self) {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `RESCUE=off`: this runtime with `stall_threshold(None)` (as before the
/// rescue), to see what the rescue changes; the table then says so.
fn rescue_off() -> bool {
    match std::env::var("RESCUE").as_deref() {
        Err(_) | Ok("on") => false,
        Ok("off") => true,
        Ok(other) => {
            eprintln!("RESCUE must be on or off, not {other:?}");
            std::process::exit(2);
        }
    }
}

struct Runtime(runtime::Runtime);

impl Rt for Runtime {
    const NAME: &'static str = "runtime";
    fn build() -> Self {
        // Defaults otherwise: the rescue on, with its threshold.
        let mut b = runtime::Builder::new_multi_thread();
        b.worker_threads(WORKERS);
        if rescue_off() {
            b.stall_threshold(None);
        }
        Runtime(b.build().unwrap())
    }
    fn spawn_remote(&self, f: impl Future<Output = ()> + Send + 'static) {
        drop(self.0.spawn(f));
    }
    fn spawn(f: impl Future<Output = ()> + Send + 'static) {
        drop(runtime::spawn(f));
    }
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send + 'static {
        runtime::time::sleep(d)
    }
    fn yield_now() -> impl Future<Output = ()> + Send + 'static {
        runtime::task::yield_now()
    }
    fn echo_server(&self, on_byte: OnByte) -> SocketAddr {
        let (tx, rx) = mpsc::channel();
        self.spawn_remote(async move {
            use runtime::io::{AsyncReadExt, AsyncWriteExt};
            let listener = runtime::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let (mut s, _) = listener.accept().await.unwrap();
            s.set_nodelay(true).unwrap();
            let on_byte = on_byte.clone();
            runtime::spawn(async move {
                let mut b = [0u8];
                while s.read_exact(&mut b).await.is_ok() {
                    on_byte(b[0]);
                    if s.write_all(&b).await.is_err() {
                        break;
                    }
                }
            });
        });
        rx.recv_timeout(BOUND).unwrap()
    }
}

struct Tokio(tokio::runtime::Runtime);

impl Rt for Tokio {
    const NAME: &'static str = "tokio";
    fn build() -> Self {
        Tokio(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .enable_all()
                .build()
                .unwrap(),
        )
    }
    fn spawn_remote(&self, f: impl Future<Output = ()> + Send + 'static) {
        drop(self.0.spawn(f));
    }
    fn spawn(f: impl Future<Output = ()> + Send + 'static) {
        drop(tokio::spawn(f));
    }
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send + 'static {
        tokio::time::sleep(d)
    }
    fn yield_now() -> impl Future<Output = ()> + Send + 'static {
        tokio::task::yield_now()
    }
    fn echo_server(&self, on_byte: OnByte) -> SocketAddr {
        let (tx, rx) = mpsc::channel();
        self.spawn_remote(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let (mut s, _) = listener.accept().await.unwrap();
            s.set_nodelay(true).unwrap();
            let on_byte = on_byte.clone();
            tokio::spawn(async move {
                let mut b = [0u8];
                while s.read_exact(&mut b).await.is_ok() {
                    on_byte(b[0]);
                    if s.write_all(&b).await.is_err() {
                        break;
                    }
                }
            });
        });
        rx.recv_timeout(BOUND).unwrap()
    }
}

/// smol: an async-executor run by [`WORKERS`] threads; timers and sockets
/// on async-io's reactor (its own thread while no `async_io::block_on`
/// drives it), as in `benches/scheduler.rs`.
struct Smol {
    ex: Arc<async_executor::Executor<'static>>,
    stop: Vec<futures::channel::oneshot::Sender<()>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

thread_local! {
    /// The executor a runner thread runs, for [`Rt::spawn`].
    static SMOL: std::cell::RefCell<Option<Arc<async_executor::Executor<'static>>>> =
        const { std::cell::RefCell::new(None) };
}

impl Rt for Smol {
    const NAME: &'static str = "smol";
    fn build() -> Self {
        let ex = Arc::new(async_executor::Executor::new());
        let (mut stop, mut threads) = (Vec::new(), Vec::new());
        for _ in 0..WORKERS {
            let (tx, rx) = futures::channel::oneshot::channel::<()>();
            let ex = ex.clone();
            stop.push(tx);
            threads.push(std::thread::spawn(move || {
                SMOL.with(|c| *c.borrow_mut() = Some(ex.clone()));
                futures_lite::future::block_on(ex.run(rx)).ok();
            }));
        }
        Smol { ex, stop, threads }
    }
    fn spawn_remote(&self, f: impl Future<Output = ()> + Send + 'static) {
        self.ex.spawn(f).detach();
    }
    fn spawn(f: impl Future<Output = ()> + Send + 'static) {
        SMOL.with(|c| {
            c.borrow()
                .as_ref()
                .expect("inside the smol executor")
                .spawn(f)
                .detach()
        });
    }
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send + 'static {
        let timer = async_io::Timer::after(d);
        async move {
            timer.await;
        }
    }
    fn yield_now() -> impl Future<Output = ()> + Send + 'static {
        futures_lite::future::yield_now()
    }
    fn echo_server(&self, on_byte: OnByte) -> SocketAddr {
        let (tx, rx) = mpsc::channel();
        self.spawn_remote(async move {
            use futures_lite::{AsyncReadExt, AsyncWriteExt};
            let listener = async_net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let (mut s, _) = listener.accept().await.unwrap();
            s.set_nodelay(true).unwrap();
            let on_byte = on_byte.clone();
            Smol::spawn(async move {
                let mut b = [0u8];
                while s.read_exact(&mut b).await.is_ok() {
                    on_byte(b[0]);
                    if s.write_all(&b).await.is_err() {
                        break;
                    }
                }
            });
        });
        rx.recv_timeout(BOUND).unwrap()
    }
}

impl Drop for Smol {
    fn drop(&mut self) {
        for tx in self.stop.drain(..) {
            let _ = tx.send(());
        }
        for t in self.threads.drain(..) {
            t.join().unwrap();
        }
    }
}

/// When a blocker started and ended its blocking poll.
type Span = (Instant, Instant);

/// A blocker's body: blocks this thread for `d` inside the poll, says when.
fn block(d: Duration, done: &mpsc::Sender<Span>) {
    let start = Instant::now();
    std::thread::sleep(d);
    let _ = done.send((start, Instant::now()));
}

/// A task that sleeps `period` over and over, recording each wait.
struct Ticker {
    period: Duration,
    stop: Arc<AtomicBool>,
    waits: mpsc::Receiver<Vec<Span>>,
}

impl Ticker {
    /// Spawns the ticker (from outside) and lets it tick a few times.
    fn start<R: Rt>(rt: &R, period: Duration) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, waits) = mpsc::channel();
        let s = stop.clone();
        rt.spawn_remote(async move {
            let mut v = Vec::new();
            while !s.load(SeqCst) {
                let t = Instant::now();
                R::sleep(period).await;
                v.push((t, Instant::now()));
            }
            tx.send(v).unwrap();
        });
        std::thread::sleep(3 * period + SETTLE);
        Ticker {
            period,
            stop,
            waits,
        }
    }

    /// Stops the ticker; its worst lateness (past its period) among the
    /// waits that overlapped `during`.
    fn worst(self, during: Span) -> Duration {
        self.stop.store(true, SeqCst);
        let waits = self.waits.recv_timeout(BOUND).expect("the ticker stopped");
        waits
            .iter()
            .filter(|(t, end)| *end > during.0 && *t < during.1)
            .map(|(t, end)| end.saturating_duration_since(*t + self.period))
            .max()
            .expect("no tick during the block")
    }
}

/// The span covering all of `spans`.
fn union(spans: &[Span]) -> Span {
    (
        spans.iter().map(|s| s.0).min().unwrap(),
        spans.iter().map(|s| s.1).max().unwrap(),
    )
}

/// One run's result: the lateness, and for the timers situation whether
/// the timers waited for the blocker's poll to end.
#[derive(Clone, Copy)]
struct Lateness {
    late: Duration,
    stalled: Option<bool>,
}

impl From<Duration> for Lateness {
    fn from(late: Duration) -> Lateness {
        Lateness {
            late,
            stalled: None,
        }
    }
}

fn spawned_from_a_poll<R: Rt>() -> Lateness {
    let rt = fresh::<R>();
    let ticker = Ticker::start::<R>(&rt, Duration::from_millis(10));
    let (done_tx, done) = mpsc::channel();
    rt.spawn_remote(async move { R::spawn(async move { block(BLOCK, &done_tx) }) });
    let span = done.recv_timeout(BOUND).unwrap();
    ticker.worst(span).into()
}

fn woken_then_blocked<R: Rt>() -> Lateness {
    let rt = fresh::<R>();
    let (msg_tx, msg_rx) = futures::channel::oneshot::channel::<Instant>();
    let (ready_tx, ready) = mpsc::channel();
    let (late_tx, late) = mpsc::channel();
    rt.spawn_remote(async move {
        ready_tx.send(()).unwrap();
        let sent = msg_rx.await.unwrap();
        late_tx.send(sent.elapsed()).unwrap();
    });
    ready.recv_timeout(BOUND).unwrap();
    std::thread::sleep(SETTLE);
    let (done_tx, done) = mpsc::channel();
    rt.spawn_remote(async move {
        // The receiver, woken from this worker, goes to its LIFO slot.
        msg_tx.send(Instant::now()).unwrap();
        block(BLOCK, &done_tx);
    });
    let l = late.recv_timeout(BOUND).unwrap();
    done.recv_timeout(BOUND).unwrap();
    l.into()
}

/// One byte there and back on `c`.
fn round_trip(c: &mut TcpStream, b: u8) -> Duration {
    let t = Instant::now();
    c.write_all(&[b]).unwrap();
    let mut got = [0u8];
    c.read_exact(&mut got).unwrap();
    assert_eq!(got[0], b);
    t.elapsed()
}

/// A connected client and its median round trip on an idle runtime.
fn client(addr: SocketAddr) -> (TcpStream, Duration) {
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_nodelay(true).unwrap();
    c.set_read_timeout(Some(BOUND)).unwrap();
    round_trip(&mut c, 0);
    let mut rtts: Vec<_> = (0..5)
        .map(|_| {
            std::thread::sleep(Duration::from_millis(10));
            round_trip(&mut c, 0)
        })
        .collect();
    rtts.sort();
    std::thread::sleep(SETTLE);
    (c, rtts[rtts.len() / 2])
}

fn echo_connection_spawns<R: Rt>() -> Lateness {
    let rt = fresh::<R>();
    let (done_tx, done) = mpsc::channel();
    let (started_tx, started) = mpsc::channel();
    let (done_tx, started_tx) = (Mutex::new(done_tx), Mutex::new(started_tx));
    let addr = rt.echo_server(Arc::new(move |b| {
        if b == 1 {
            let done_tx = done_tx.lock().unwrap().clone();
            let started_tx = started_tx.lock().unwrap().clone();
            R::spawn(async move {
                started_tx.send(()).unwrap();
                block(BLOCK, &done_tx);
            });
        }
    }));
    std::thread::sleep(SETTLE);
    let (mut c, base) = client(addr);
    round_trip(&mut c, 1); // the connection's task spawns the blocker
    started.recv_timeout(BOUND).unwrap();
    let rtt = round_trip(&mut c, 0);
    done.recv_timeout(BOUND).unwrap();
    rtt.saturating_sub(base).into()
}

fn echo_spawned_from_outside<R: Rt>() -> Lateness {
    let rt = fresh::<R>();
    let addr = rt.echo_server(Arc::new(|_| {}));
    std::thread::sleep(SETTLE);
    let (mut c, base) = client(addr);
    let (done_tx, done) = mpsc::channel();
    let (started_tx, started) = mpsc::channel();
    rt.spawn_remote(async move {
        started_tx.send(()).unwrap();
        block(BLOCK, &done_tx);
    });
    started.recv_timeout(BOUND).unwrap();
    let rtt = round_trip(&mut c, 0);
    done.recv_timeout(BOUND).unwrap();
    rtt.saturating_sub(base).into()
}

fn spawned_into_the_lifo_slot<R: Rt>() -> Lateness {
    let rt = fresh::<R>();
    let (late_tx, late) = mpsc::channel();
    let (done_tx, done) = mpsc::channel();
    rt.spawn_remote(async move {
        let t = Instant::now();
        R::spawn(async move { late_tx.send(t.elapsed()).unwrap() });
        block(BLOCK, &done_tx);
    });
    let l = late.recv_timeout(BOUND).unwrap();
    done.recv_timeout(BOUND).unwrap();
    l.into()
}

fn yielded_behind_a_blocker<R: Rt>() -> Lateness {
    let rt = fresh::<R>();
    let (late_tx, late) = mpsc::channel();
    let (done_tx, done) = mpsc::channel();
    rt.spawn_remote(async move {
        R::spawn(async move { block(BLOCK, &done_tx) });
        let t = Instant::now();
        R::yield_now().await;
        late_tx.send(t.elapsed()).unwrap();
    });
    let l = late.recv_timeout(BOUND).unwrap();
    done.recv_timeout(BOUND).unwrap();
    l.into()
}

fn timers_behind_a_blocker<R: Rt>() -> Lateness {
    const TIMER: Duration = Duration::from_millis(50);
    let rt = fresh::<R>();
    let (late_tx, late) = mpsc::channel();
    let (done_tx, done) = mpsc::channel();
    rt.spawn_remote(async move {
        let t = Instant::now();
        let mut all: FuturesUnordered<_> = (0..100).map(|_| R::sleep(TIMER)).collect();
        // Registers the timers (their first poll), then hands this worker
        // the blocker: it runs next here, and this task, when its timers
        // fire, is queued behind it.
        assert!(futures::poll!(all.next()).is_pending());
        R::spawn(async move { block(BLOCK, &done_tx) });
        while all.next().await.is_some() {}
        late_tx.send((t + TIMER, Instant::now())).unwrap();
    });
    let (due, fired) = late.recv_timeout(BOUND).unwrap();
    let (_, blocker_end) = done.recv_timeout(BOUND).unwrap();
    Lateness {
        late: fired.saturating_duration_since(due),
        stalled: Some(fired >= blocker_end),
    }
}

fn every_worker_busy_looping<R: Rt>() -> Lateness {
    let rt = fresh::<R>();
    let printer = Ticker::start::<R>(&rt, Duration::from_millis(100));
    let (done_tx, done) = mpsc::channel();
    for _ in 0..2 {
        let done_tx = done_tx.clone();
        rt.spawn_remote(async move {
            // Never awaits: checks the time until a second has passed.
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(1) {
                std::hint::spin_loop();
            }
            done_tx.send((start, Instant::now())).unwrap();
        });
    }
    let spans: Vec<_> = (0..2).map(|_| done.recv_timeout(BOUND).unwrap()).collect();
    printer.worst(union(&spans)).into()
}

fn more_blockers_than_workers<R: Rt>() -> Lateness {
    let rt = fresh::<R>();
    let ticker = Ticker::start::<R>(&rt, Duration::from_millis(10));
    let (done_tx, done) = mpsc::channel();
    for _ in 0..8 {
        let done_tx = done_tx.clone();
        rt.spawn_remote(async move { block(Duration::from_millis(200), &done_tx) });
    }
    let spans: Vec<_> = (0..8).map(|_| done.recv_timeout(BOUND).unwrap()).collect();
    ticker.worst(union(&spans)).into()
}

struct Situation {
    /// The table's row.
    what: &'static str,
    /// The target for this runtime, ms.
    target: u64,
    runs: [fn() -> Lateness; 3],
}

macro_rules! situation {
    ($what:expr, $target:expr, $f:ident) => {
        Situation {
            what: $what,
            target: $target,
            runs: [$f::<Runtime>, $f::<Tokio>, $f::<Smol>],
        }
    };
}

fn situations() -> Vec<Situation> {
    vec![
        situation!(
            "a task spawns the blocker from inside its poll; a 10 ms ticker elsewhere",
            50,
            spawned_from_a_poll
        ),
        situation!(
            "the blocker first wakes a waiting task (a message), then blocks: the woken task sits in the blocked worker's LIFO slot",
            50,
            woken_then_blocked
        ),
        situation!(
            "TCP echo, the connection's task spawns the blocker: the client's next round trip",
            50,
            echo_connection_spawns
        ),
        situation!(
            "TCP echo, the blocker spawned from a plain thread: the client's next round trip",
            50,
            echo_spawned_from_outside
        ),
        situation!(
            "A spawns B (LIFO slot), then blocks: B's wait",
            50,
            spawned_into_the_lifo_slot
        ),
        situation!(
            "A spawns a blocker, then `yield_now()`: A's wait",
            50,
            yielded_behind_a_blocker
        ),
        situation!(
            "100 timers of 50 ms in a `FuturesUnordered` whose task is queued behind a blocker: the last timer",
            50,
            timers_behind_a_blocker
        ),
        situation!(
            "both workers busy 1 s in never-awaiting loops; a printer every 100 ms",
            100,
            every_worker_busy_looping
        ),
        situation!(
            "8 tasks each blocking 200 ms; a 10 ms ticker",
            100,
            more_blockers_than_workers
        ),
    ]
}

const RUNTIMES: [&str; 3] = [Runtime::NAME, Tokio::NAME, Smol::NAME];

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A lateness for the table: whole milliseconds, one decimal below 10.
fn fmt_ms(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.1}")
    } else {
        let n = ms.round() as u64;
        if n >= 1000 {
            format!("{} {:03}", n / 1000, n % 1000)
        } else {
            n.to_string()
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The output of a command run in the repository, trimmed.
fn sh(cmd: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(cmd)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn commit() -> String {
    let Some(c) = sh("git", &["rev-parse", "--short", "HEAD"]) else {
        return "unknown".into();
    };
    if sh("git", &["diff-index", "--quiet", "HEAD", "--"]).is_none() {
        format!("{c} (with uncommitted changes)")
    } else {
        c
    }
}

const EXPLAINED: &str = "\
Each cell is the median over the runs of the *lateness* of a task unrelated to the blocking one: \
how much later than on an idle runtime it ran, in milliseconds. Each run builds a fresh runtime \
with 2 workers (this runtime with its defaults, the rescue on; tokio `new_multi_thread().enable_all()`; \
smol: async-executor run by 2 threads, async-io's reactor), runs one task to start it and sleeps \
50 ms so that its workers are parked; the three runtimes' runs are interleaved. A *blocker* calls \
`std::thread::sleep(2 s)` inside one poll. Tickers sleep their period in a loop, from a task \
spawned from outside and given a few ticks first; their lateness is the worst, over the sleeps \
that overlapped the blocking, of the time past the period. (1) A task spawned from outside \
spawns the blocker (its worker's LIFO slot). (2) A task waits on a oneshot channel; a task \
spawned from outside sends it the time, then blocks: the lateness is the receiver's wait. \
(3) An echo server (one task per connection); the client, a plain thread, takes the median of 5 \
round trips 10 ms apart as its baseline, then sends the byte on which the connection's task \
spawns the blocker, waits until the blocker runs and times one more round trip: the lateness is \
that round trip minus the baseline. (4) The same, with the blocker spawned from the plain thread \
(`Runtime::spawn`). (5) A task spawned from outside spawns B and blocks: the time from the spawn \
to B's first poll. (6) A task spawns the blocker, then yields: the time from the yield to its \
resumption. (7) A task spawned from outside creates 100 timers of 50 ms in a \
`FuturesUnordered`, polls it once (the timers are registered), then spawns the blocker, which \
its worker runs next: how long after the 50 ms the last timer completes; \"stalled\" counts the \
runs in which it completed only after the blocker's poll ended. (8) Two tasks spin, never \
awaiting, for 1 s each (both workers); a 100 ms ticker (the printer) measured while they spin. \
(9) Eight tasks spawned from outside each sleep 200 ms inside one poll; a 10 ms ticker measured \
from the first one's start to the last one's end.";

fn main() {
    let write = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--write") => true,
        Some(other) => {
            eprintln!("usage: stalls [--write]   (unknown argument {other:?})");
            std::process::exit(2);
        }
    };
    let runs: usize = match std::env::var("RUNS") {
        Err(_) => 3,
        Ok(r) => match r.parse() {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!("RUNS must be a positive number, not {r:?}");
                std::process::exit(2);
            }
        },
    };
    let all = situations();
    let only: Vec<usize> = match std::env::var("ONLY") {
        Err(_) => (1..=all.len()).collect(),
        Ok(list) => list
            .split(',')
            .map(|s| match s.trim().parse() {
                Ok(n) if (1..=all.len()).contains(&n) => n,
                _ => {
                    eprintln!("ONLY: situation numbers 1 to {}, not {s:?}", all.len());
                    std::process::exit(2);
                }
            })
            .collect(),
    };
    if write && (only.len() != all.len() || rescue_off()) {
        eprintln!("--write needs every situation and the defaults (unset ONLY and RESCUE)");
        std::process::exit(2);
    }
    let load_before = load_average();
    let started = Instant::now();
    // results[situation][runtime] = one Lateness per run
    let mut results: Vec<[Vec<Lateness>; 3]> = Vec::new();
    for &n in &only {
        let s = &all[n - 1];
        let mut per: [Vec<Lateness>; 3] = Default::default();
        for run in 1..=runs {
            for (r, f) in s.runs.iter().enumerate() {
                let l = f();
                eprintln!(
                    "({n}) run {run}/{runs} {:8} {:>8.1} ms{}",
                    RUNTIMES[r],
                    ms(l.late),
                    match l.stalled {
                        Some(true) => " (stalled)",
                        _ => "",
                    }
                );
                per[r].push(l);
            }
        }
        results.push(per);
    }
    let load_after = load_average();

    let mut lines = vec![
        format!(
            "| | situation | {} | tokio | smol | target (runtime) |",
            if rescue_off() {
                "runtime, rescue off"
            } else {
                "runtime"
            }
        ),
        "| --- | --- | --- | --- | --- | --- |".to_string(),
    ];
    let mut missed = Vec::new();
    for (&n, per) in only.iter().zip(&results) {
        let s = &all[n - 1];
        let cells: Vec<String> = per
            .iter()
            .map(|v| {
                let m = fmt_ms(median(v.iter().map(|l| ms(l.late)).collect()));
                let stalled = v.iter().filter(|l| l.stalled == Some(true)).count();
                if v[0].stalled.is_some() {
                    format!("{m} ({stalled}/{} stalled)", v.len())
                } else {
                    m
                }
            })
            .collect();
        let mine = median(per[0].iter().map(|l| ms(l.late)).collect());
        let met = mine <= s.target as f64;
        if !met {
            missed.push(format!("({n}) {} ms, target {} ms", fmt_ms(mine), s.target));
        }
        lines.push(format!(
            "| {n} | {} | {} | {} | {} | ≤ {} {} |",
            s.what,
            cells[0],
            cells[1],
            cells[2],
            s.target,
            if met { "met" } else { "**missed**" }
        ));
    }
    let table = lines.join("\n");
    let now = sh("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_else(|| "unknown".into());
    let meta = format!(
        "Date: {now}  \nCommit: {}  \nLoad average at the start and the end of the run \
         (2 cores, shared): {load_before} / {load_after}  \nMedian of {runs} runs per \
         situation and runtime, 2 workers each, lateness in ms; the whole run took {:.0} s \
         (`cargo run --release -p runtime-benches --features bench --example stalls -- --write`).",
        commit(),
        started.elapsed().as_secs_f64()
    );
    let block = format!(
        "<!-- stalls-table:start (written by benches/examples/stalls.rs) -->\n{meta}\n\n\
         {table}\n\n{EXPLAINED}\n<!-- stalls-table:end -->"
    );
    println!("{block}");
    if missed.is_empty() {
        eprintln!("\nevery target met");
    } else {
        eprintln!("\ntargets missed: {}", missed.join("; "));
    }
    if write {
        let md = concat!(env!("CARGO_MANIFEST_DIR"), "/../BENCHMARKS.md");
        let text = std::fs::read_to_string(md).expect("read BENCHMARKS.md");
        let (s, e) = ("<!-- stalls-table:start", "<!-- stalls-table:end -->");
        let text = match (text.find(s), text.find(e)) {
            (Some(a), Some(b)) if a < b => {
                format!("{}{block}{}", &text[..a], &text[b + e.len()..])
            }
            _ => {
                // A new section, before the first one after the overview.
                let section = format!("## When a task blocks its worker\n\n{block}\n\n");
                match text.find("\n## ") {
                    Some(i) => format!("{}{section}{}", &text[..i + 1], &text[i + 1..]),
                    None => format!("{}\n\n{section}", text.trim_end()),
                }
            }
        };
        std::fs::write(md, text).expect("write BENCHMARKS.md");
        eprintln!("wrote {md}");
    }
}
