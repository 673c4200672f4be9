//! Scheduler benchmarks, this runtime, tokio and smol side by side, in
//! one process on one machine so that the ratios compare like with like.
//!
//! Every workload is written once, generically over [`Rt`], and run on the
//! three runtimes with the same number of workers ([`workers`]:
//! `BENCH_WORKERS`, default 2), so the functions of a group (`runtime`,
//! `tokio`, `smol`) run exactly the same code apart from the runtime calls.
//! Each runtime is built once per bench function, outside the timed loop.
//! "smol" is what a smol user runs: async-executor on N threads, `blocking`
//! for `spawn_blocking`, async-io's timers.
//!
//! Groups: `spawn_many_local`, `spawn_many_remote`, `yield_many`, `ping_pong`,
//! `chained_spawn`, and `scaling` (functions `runtime/N`, `tokio/N`).
//! `benches/report.sh` turns criterion's estimates into the table in
//! BENCHMARKS.md.
//!
//! With `BENCH_METRICS=1` the binary does not benchmark: it runs each workload
//! a few times on this runtime and prints its scheduler counters (polls,
//! steals, parks) per iteration — a cheap first look at where time goes:
//!
//! ```text
//! BENCH_METRICS=1 cargo bench -p runtime-benches --features bench --bench scheduler
//! BENCH_METRICS=ping_pong BENCH_ROUNDS=21 cargo bench -p runtime-benches --features bench --bench scheduler
//! ```
//!
//! Any value other than `1` keeps only the workloads whose name contains it;
//! `BENCH_ROUNDS` sets the number of interleaved rounds (default 5).
//! `BENCH_METRICS=observability` instead times this runtime with slow-poll
//! reports on and off, alternating (the cost of seeing inside).
//! `BENCH_METRICS=schedule_latency` times it with and without the
//! schedule-latency histogram, alternating, the same way.
//! `BENCH_METRICS=startup` times creating, `block_on`-ing and dropping each
//! runtime (`BENCH_STARTUPS` picks some by name), then `block_on` of a ready
//! future on a built one.

use criterion::{black_box, BenchmarkId, Criterion, SamplingMode, Throughput};
use futures::channel::oneshot;
use runtime_benches::workers;
use std::fmt::Debug;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SPAWN_MANY: usize = 10_000;
const YIELD_TASKS: usize = 100;
const YIELDS_PER_TASK: usize = 1_000;
const PING_PONGS: usize = 1_000;
const CHAIN_DEPTH: usize = 1_000;
const SCALING: [usize; 3] = [10_000, 100_000, 1_000_000];

/// The runtime calls a workload needs; implemented for this runtime and for
/// tokio.
trait Rt: Sized + Sync + 'static {
    type JoinError: Debug;
    type Handle<T: Send + 'static>: Future<Output = Result<T, Self::JoinError>> + Send + 'static;

    fn build() -> Self;
    fn block_on<F: Future>(&self, f: F) -> F::Output;
    /// Spawn from outside the runtime (`Runtime::spawn`).
    fn spawn_remote<F>(&self, f: F) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    /// Spawn from inside the runtime (`runtime::spawn`, `tokio::spawn`).
    fn spawn<F>(f: F) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    fn yield_now() -> impl Future<Output = ()> + Send;
    /// `spawn_blocking` from inside the runtime.
    fn spawn_blocking<F, T>(f: F) -> Self::Handle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static;
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send;
    /// `timeout(d, f)`, discarding whether it fired.
    fn timeout<F: Future + Send>(d: Duration, f: F) -> impl Future<Output = ()> + Send;
}

struct Ours(runtime::Runtime);

impl Rt for Ours {
    type JoinError = runtime::task::JoinError;
    type Handle<T: Send + 'static> = runtime::task::JoinHandle<T>;

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
    fn spawn_remote<F>(&self, f: F) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.0.spawn(f)
    }
    fn spawn<F>(f: F) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        runtime::spawn(f)
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        runtime::task::yield_now()
    }
    fn spawn_blocking<F, T>(f: F) -> Self::Handle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        runtime::spawn_blocking(f)
    }
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send {
        runtime::time::sleep(d)
    }
    async fn timeout<F: Future + Send>(d: Duration, f: F) {
        let _ = runtime::time::timeout(d, f).await;
    }
}

struct Tokio(tokio::runtime::Runtime);

impl Rt for Tokio {
    type JoinError = tokio::task::JoinError;
    type Handle<T: Send + 'static> = tokio::task::JoinHandle<T>;

    fn build() -> Self {
        Tokio(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers())
                .enable_time()
                .build()
                .unwrap(),
        )
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
    fn spawn_remote<F>(&self, f: F) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.0.spawn(f)
    }
    fn spawn<F>(f: F) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::spawn(f)
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }
    fn spawn_blocking<F, T>(f: F) -> Self::Handle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        tokio::task::spawn_blocking(f)
    }
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(d)
    }
    async fn timeout<F: Future + Send>(d: Duration, f: F) {
        let _ = tokio::time::timeout(d, f).await;
    }
}

/// smol: async-executor run by `workers()` threads; the block_on thread only
/// polls its own future, as on the other two.
struct Smol {
    ex: Arc<async_executor::Executor<'static>>,
    stop: Vec<oneshot::Sender<()>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

thread_local! {
    /// The executor of this thread (its runners, and a `block_on` caller),
    /// for `Rt::spawn`, which has no `self`.
    static SMOL: std::cell::RefCell<Option<Arc<async_executor::Executor<'static>>>> =
        const { std::cell::RefCell::new(None) };
}

/// A smol task that, like a `JoinHandle`, detaches when dropped (an
/// `async_task::Task` cancels when dropped).
struct SmolHandle<T>(Option<async_executor::Task<T>>);

impl<T> Future for SmolHandle<T> {
    type Output = Result<T, std::convert::Infallible>;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let task = self.0.as_mut().expect("polled after completion");
        let out = std::task::ready!(std::pin::Pin::new(task).poll(cx));
        self.0 = None;
        std::task::Poll::Ready(Ok(out))
    }
}

impl<T> Drop for SmolHandle<T> {
    fn drop(&mut self) {
        if let Some(t) = self.0.take() {
            t.detach();
        }
    }
}

impl Rt for Smol {
    type JoinError = std::convert::Infallible;
    type Handle<T: Send + 'static> = SmolHandle<T>;

    fn build() -> Self {
        let ex = Arc::new(async_executor::Executor::new());
        let (mut stop, mut threads) = (Vec::new(), Vec::new());
        for _ in 0..workers() {
            let (tx, rx) = oneshot::channel::<()>();
            let ex = ex.clone();
            stop.push(tx);
            threads.push(std::thread::spawn(move || {
                SMOL.with(|c| *c.borrow_mut() = Some(ex.clone()));
                futures_lite::future::block_on(ex.run(rx)).ok();
            }));
        }
        Smol { ex, stop, threads }
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        let prev = SMOL.with(|c| c.borrow_mut().replace(self.ex.clone()));
        let out = futures_lite::future::block_on(f);
        SMOL.with(|c| *c.borrow_mut() = prev);
        out
    }
    fn spawn_remote<F>(&self, f: F) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        SmolHandle(Some(self.ex.spawn(f)))
    }
    fn spawn<F>(f: F) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        SMOL.with(|c| {
            let ex = c.borrow();
            SmolHandle(Some(
                ex.as_ref().expect("inside the smol executor").spawn(f),
            ))
        })
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        futures_lite::future::yield_now()
    }
    fn spawn_blocking<F, T>(f: F) -> Self::Handle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // `blocking::unblock` returns a future; run it as a task so that
        // dropping the handle detaches, as with the other two.
        Self::spawn(blocking::unblock(f))
    }
    async fn sleep(d: Duration) {
        async_io::Timer::after(d).await;
    }
    async fn timeout<F: Future + Send>(d: Duration, f: F) {
        use futures_lite::FutureExt;
        // The timer is made before the race starts, as `timeout(d, f)` does
        // on the other two (reading the clock); made inside the second arm,
        // `or` would never build it when `f` is ready at once.
        let timer = async_io::Timer::after(d);
        async { drop(f.await) }
            .or(async move {
                timer.await;
            })
            .await
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

/// Counts finished tasks down; the one that reaches zero fires the oneshot.
/// One `Arc` clone per task, as in tokio's own `spawn_many` bench.
struct Countdown {
    left: AtomicUsize,
    done: Mutex<Option<oneshot::Sender<()>>>,
}

impl Countdown {
    fn new(n: usize) -> (Arc<Countdown>, oneshot::Receiver<()>) {
        let (tx, rx) = oneshot::channel();
        let c = Countdown {
            left: AtomicUsize::new(n),
            done: Mutex::new(Some(tx)),
        };
        (Arc::new(c), rx)
    }

    fn tick(&self) {
        if self.left.fetch_sub(1, Relaxed) == 1 {
            let tx = self.done.lock().unwrap().take().unwrap();
            tx.send(()).unwrap();
        }
    }
}

// ---------------------------------------------------------------------------
// Workloads: one iteration each. Every one returns once all its tasks have
// done their work (detached ones may still be releasing their cells).

/// From inside a task (so on a worker thread: the local-queue path), spawn
/// `n` trivial tasks; the last to finish signals completion.
fn spawn_many_local<R: Rt>(rt: &R, n: usize) {
    rt.block_on(async {
        R::spawn(async move {
            let (countdown, done) = Countdown::new(n);
            for i in 0..n {
                let countdown = countdown.clone();
                drop(R::spawn(async move {
                    black_box(i);
                    countdown.tick();
                }));
            }
            done.await.unwrap();
        })
        .await
        .unwrap()
    })
}

/// `n` × `Runtime::spawn` from a thread outside the runtime, then join all.
fn spawn_many_remote<R: Rt>(rt: &R, n: usize) {
    let handles: Vec<_> = (0..n)
        .map(|i| rt.spawn_remote(async move { black_box(i) }))
        .collect();
    rt.block_on(async move {
        for h in handles {
            h.await.unwrap();
        }
    })
}

/// `tasks` tasks each yielding `yields` times, spawned from inside a task,
/// joined.
fn yield_many<R: Rt>(rt: &R, tasks: usize, yields: usize) {
    rt.block_on(async {
        R::spawn(async move {
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    R::spawn(async move {
                        for _ in 0..yields {
                            R::yield_now().await;
                        }
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        })
        .await
        .unwrap()
    })
}

/// tokio's `ping_pong`: a driver task spawns `rounds` tasks; each spawns a
/// partner and the two exchange a pair of oneshot messages.
fn ping_pong<R: Rt>(rt: &R, rounds: usize) {
    rt.block_on(async {
        let (countdown, done) = Countdown::new(rounds);
        drop(R::spawn(async move {
            for _ in 0..rounds {
                let countdown = countdown.clone();
                drop(R::spawn(async move {
                    let (tx1, rx1) = oneshot::channel::<()>();
                    let (tx2, rx2) = oneshot::channel::<()>();
                    drop(R::spawn(async move {
                        rx1.await.unwrap();
                        tx2.send(()).unwrap();
                    }));
                    tx1.send(()).unwrap();
                    rx2.await.unwrap();
                    countdown.tick();
                }));
            }
        }));
        done.await.unwrap();
    })
}

/// Each task spawns the next, `depth` deep; the last signals completion.
fn chained_spawn<R: Rt>(rt: &R, depth: usize) {
    fn link<R: Rt>(done: oneshot::Sender<()>, n: usize) {
        if n == 0 {
            done.send(()).unwrap();
        } else {
            drop(R::spawn(async move { link::<R>(done, n - 1) }));
        }
    }
    rt.block_on(async {
        let (tx, rx) = oneshot::channel();
        drop(R::spawn(async move { link::<R>(tx, depth) }));
        rx.await.unwrap();
    })
}

/// From inside a task, spawn `n` trivial tasks and join every handle (so all
/// `n` stay alive until joined: cost growth with the number of live tasks
/// shows).
fn spawn_join_n<R: Rt>(rt: &R, n: usize) {
    rt.block_on(async {
        R::spawn(async move {
            let handles: Vec<_> = (0..n)
                .map(|i| R::spawn(async move { black_box(i) }))
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        })
        .await
        .unwrap()
    })
}

/// 1 000 no-op blocking jobs spawned at once from a task, then awaited.
fn spawn_blocking_many<R: Rt>(rt: &R, n: usize) {
    rt.block_on(async {
        R::spawn(async move {
            let jobs: Vec<_> = (0..n).map(|i| R::spawn_blocking(move || i)).collect();
            for j in jobs {
                black_box(j.await.unwrap());
            }
        })
        .await
        .unwrap();
    });
}

/// One blocking job, awaited: the latency of the hand-off and the wake-up.
fn spawn_blocking_round_trip<R: Rt>(rt: &R) {
    rt.block_on(async {
        R::spawn(async { R::spawn_blocking(|| 1).await.unwrap() })
            .await
            .unwrap();
    });
}

/// 1 000 tasks each sleep 1 ms: timer insert, fire and wake at scale.
fn many_sleeps<R: Rt>(rt: &R, n: usize) {
    rt.block_on(async {
        let tasks: Vec<_> = (0..n)
            .map(|_| R::spawn(R::sleep(Duration::from_millis(1))))
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
}

/// 10 000 timeouts around ready futures: the cost of arming and cancelling
/// a timer that never fires.
fn timeout_not_firing<R: Rt>(rt: &R, n: usize) {
    rt.block_on(async {
        R::spawn(async move {
            for i in 0..n {
                R::timeout(Duration::from_secs(1), async move { black_box(i) }).await;
            }
        })
        .await
        .unwrap();
    });
}

// ---------------------------------------------------------------------------
// Criterion wiring.

/// One group with a `runtime` and a `tokio` function running `work`.
fn side_by_side(c: &mut Criterion, name: &str, work: fn(&dyn Workload)) {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    {
        let rt = Ours::build();
        group.bench_function("runtime", |b| b.iter(|| work(&rt)));
    }
    {
        let rt = Tokio::build();
        group.bench_function("tokio", |b| b.iter(|| work(&rt)));
    }
    {
        let rt = Smol::build();
        group.bench_function("smol", |b| b.iter(|| work(&rt)));
    }
    group.finish();
}

/// Object-safe view of a runtime, so one closure per workload serves both
/// (the calls inside are still monomorphized per runtime).
trait Workload {
    fn spawn_many_local(&self);
    fn spawn_many_remote(&self);
    fn yield_many(&self);
    fn ping_pong(&self);
    fn chained_spawn(&self);
    fn spawn_blocking_many(&self);
    fn spawn_blocking_round_trip(&self);
    fn many_sleeps(&self);
    fn timeout_not_firing(&self);
}

impl<R: Rt> Workload for R {
    fn spawn_many_local(&self) {
        spawn_many_local(self, SPAWN_MANY)
    }
    fn spawn_many_remote(&self) {
        spawn_many_remote(self, SPAWN_MANY)
    }
    fn yield_many(&self) {
        yield_many(self, YIELD_TASKS, YIELDS_PER_TASK)
    }
    fn ping_pong(&self) {
        ping_pong(self, PING_PONGS)
    }
    fn chained_spawn(&self) {
        chained_spawn(self, CHAIN_DEPTH)
    }
    fn spawn_blocking_many(&self) {
        spawn_blocking_many(self, 1_000)
    }
    fn spawn_blocking_round_trip(&self) {
        spawn_blocking_round_trip(self)
    }
    fn many_sleeps(&self) {
        many_sleeps(self, 1_000)
    }
    fn timeout_not_firing(&self) {
        timeout_not_firing(self, 10_000)
    }
}

fn workloads(c: &mut Criterion) {
    side_by_side(c, "spawn_many_local", |w| w.spawn_many_local());
    side_by_side(c, "spawn_many_remote", |w| w.spawn_many_remote());
    side_by_side(c, "yield_many", |w| w.yield_many());
    side_by_side(c, "ping_pong", |w| w.ping_pong());
    side_by_side(c, "chained_spawn", |w| w.chained_spawn());
    side_by_side(c, "spawn_blocking_many", |w| w.spawn_blocking_many());
    side_by_side(c, "spawn_blocking_round_trip", |w| {
        w.spawn_blocking_round_trip()
    });
    side_by_side(c, "many_sleeps", |w| w.many_sleeps());
    side_by_side(c, "timeout_not_firing", |w| w.timeout_not_firing());
}

/// Spawn-and-join N tasks for growing N; `Throughput::Elements(N)` makes
/// criterion print tasks/s, and the report turns the median into ns per task.
fn scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("scaling");
    // Flat sampling: a fixed number of iterations per sample, so the
    // 1 000 000-task point needs only `sample_size` iterations.
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for n in SCALING {
        group.throughput(Throughput::Elements(n as u64));
        // One runtime alive at a time, as in `side_by_side`: the idle one's
        // threads must not share the 2 cores with the one measured.
        {
            let rt = Ours::build();
            group.bench_with_input(BenchmarkId::new("runtime", n), &n, |b, &n| {
                b.iter(|| spawn_join_n(&rt, n))
            });
        }
        {
            let rt = Tokio::build();
            group.bench_with_input(BenchmarkId::new("tokio", n), &n, |b, &n| {
                b.iter(|| spawn_join_n(&rt, n))
            });
        }
        {
            let rt = Smol::build();
            group.bench_with_input(BenchmarkId::new("smol", n), &n, |b, &n| {
                b.iter(|| spawn_join_n(&rt, n))
            });
        }
    }
    group.finish();
}

// ---------------------------------------------------------------------------
// BENCH_METRICS=1: scheduler counters per workload iteration (this runtime),
// and an interleaved A/B timing against tokio as a cross-check of the
// criterion ratios on a busy machine.

/// One workload of the metrics mode: name, iterations per round, and the same
/// function for both runtimes.
struct Case {
    name: &'static str,
    iters: u32,
    ours: fn(&Ours),
    tokio: fn(&Tokio),
    smol: fn(&Smol),
}

macro_rules! case {
    ($name:expr, $iters:expr, |$r:ident| $body:expr) => {
        Case {
            name: $name,
            iters: $iters,
            ours: |$r: &Ours| $body,
            tokio: |$r: &Tokio| $body,
            smol: |$r: &Smol| $body,
        }
    };
}

#[path = "../tests/common/cpu.rs"]
mod cpu;
use cpu::cpu_ticks;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// `BENCH_ROUNDS`, default 5.
fn bench_rounds() -> usize {
    std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|&r| r > 0)
        .unwrap_or(5)
}

fn print_metrics(filter: &str) {
    let rounds = bench_rounds();
    let cases = [
        case!("spawn_many_local", 20, |r| r.spawn_many_local()),
        case!("spawn_many_remote", 20, |r| r.spawn_many_remote()),
        case!("yield_many", 20, |r| r.yield_many()),
        case!("ping_pong", 50, |r| r.ping_pong()),
        case!("chained_spawn", 100, |r| r.chained_spawn()),
        case!("spawn_blocking_many", 10, |r| r.spawn_blocking_many()),
        case!("spawn_blocking_round_trip", 500, |r| {
            r.spawn_blocking_round_trip()
        }),
        case!("many_sleeps", 20, |r| r.many_sleeps()),
        case!("timeout_not_firing", 20, |r| r.timeout_not_firing()),
        case!("scaling/10000", 20, |r| spawn_join_n(r, 10_000)),
        case!("scaling/100000", 4, |r| spawn_join_n(r, 100_000)),
        case!("scaling/1000000", 1, |r| spawn_join_n(r, 1_000_000)),
    ];
    let ours = Ours::build();
    let tokio = Tokio::build();
    let smol = Smol::build();
    let totals = |rt: &Ours| {
        let m = rt.0.handle().metrics();
        let sum = |f: &dyn Fn(usize) -> u64| (0..m.num_workers()).map(f).sum::<u64>();
        [
            sum(&|i| m.worker_poll_count(i)),
            sum(&|i| m.worker_steal_count(i)),
            sum(&|i| m.worker_park_count(i)),
        ]
    };
    if let Some(t0) = cpu_ticks() {
        let p0 = totals(&ours)[2];
        std::thread::sleep(Duration::from_secs(1));
        if let Some(t1) = cpu_ticks() {
            println!(
                "both runtimes idle for 1 s: {} CPU ticks used, {} parks",
                t1 - t0,
                totals(&ours)[2] - p0
            );
        }
    }
    println!(
        "{:<26} {:>10} {:>10} {:>10} {:>7} {:>7} {:>10} {:>8} {:>8}   (runtime: per iteration, {} \
         workers; times: median of {} interleaved rounds; ratios runtime/tokio, runtime/smol)",
        "workload",
        "runtime",
        "tokio",
        "smol",
        "/tokio",
        "/smol",
        "polls",
        "steals",
        "parks",
        workers(),
        rounds
    );
    let all = filter == "1";
    for case in cases.into_iter().filter(|c| all || c.name.contains(filter)) {
        (case.ours)(&ours); // warm up (allocator, queues)
        (case.tokio)(&tokio);
        (case.smol)(&smol);
        let (mut t_ours, mut t_tokio, mut t_smol) = (Vec::new(), Vec::new(), Vec::new());
        let mut counts = [0u64; 3];
        for _ in 0..rounds {
            let before = totals(&ours);
            let start = std::time::Instant::now();
            for _ in 0..case.iters {
                (case.ours)(&ours);
            }
            t_ours.push(start.elapsed() / case.iters);
            let after = totals(&ours);
            for k in 0..3 {
                counts[k] += after[k] - before[k];
            }
            let start = std::time::Instant::now();
            for _ in 0..case.iters {
                (case.tokio)(&tokio);
            }
            t_tokio.push(start.elapsed() / case.iters);
            let start = std::time::Instant::now();
            for _ in 0..case.iters {
                (case.smol)(&smol);
            }
            t_smol.push(start.elapsed() / case.iters);
        }
        let (a, b, c) = (median(t_ours), median(t_tokio), median(t_smol));
        let per = |k: usize| counts[k] as f64 / (rounds as u32 * case.iters) as f64;
        println!(
            "{:<26} {:>10.3?} {:>10.3?} {:>10.3?} {:>7.2} {:>7.2} {:>10.1} {:>8.1} {:>8.1}",
            case.name,
            a,
            b,
            c,
            a.as_secs_f64() / b.as_secs_f64(),
            a.as_secs_f64() / c.as_secs_f64(),
            per(0),
            per(1),
            per(2)
        );
    }
}

/// The cost of seeing inside: the same runtime with slow-poll
/// reports on (the default, 100 ms) and off (`slow_poll_threshold(None)`).
/// "Off" removes the watchdog thread and the two relaxed stores per poll that
/// publish the polled task to it. The task registry and poll counts that feed
/// `all_tasks` and the metrics are always on.
/// A named workload.
type Named = (&'static str, fn(&dyn Workload));

const OBSERVABILITY: [Named; 2] = [
    ("observability/yield_many", |w| w.yield_many()),
    ("observability/spawn_many_local", |w| w.spawn_many_local()),
];

fn observed_runtime(threshold: Option<Duration>) -> Ours {
    Ours(
        runtime::Builder::new_multi_thread()
            .worker_threads(workers())
            .slow_poll_threshold(threshold)
            .build()
            .unwrap(),
    )
}

/// `BENCH_METRICS=observability`: the [`OBSERVABILITY`] workloads with
/// reports on and off, alternating every round (a fresh runtime each round,
/// only one alive at a time), so load changes on a shared machine hit both
/// sides alike. Prints the median of the per-round ratios on/off.
fn print_observability() {
    const ITERS: u32 = 20;
    let rounds = bench_rounds();
    println!(
        "{:<32} {:>10} {:>10} {:>7}   (median of {rounds} rounds; ratio: median, min–max of per-round on/off)",
        "workload", "on", "off", "on/off"
    );
    for (name, work) in OBSERVABILITY {
        let time = |threshold| {
            let rt = observed_runtime(threshold);
            work(&rt); // warm up
            let start = std::time::Instant::now();
            for _ in 0..ITERS {
                work(&rt);
            }
            start.elapsed() / ITERS
        };
        let (mut on, mut off, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            // Alternate which side goes first, so order effects cancel.
            let (a, b) = if round % 2 == 0 {
                let a = time(Some(Duration::from_millis(100)));
                (a, time(None))
            } else {
                let b = time(None);
                (time(Some(Duration::from_millis(100))), b)
            };
            ratios.push(a.as_secs_f64() / b.as_secs_f64());
            on.push(a);
            off.push(b);
        }
        ratios.sort_by(f64::total_cmp);
        println!(
            "{:<32} {:>10.3?} {:>10.3?} {:>7.3}   ({:.3}–{:.3})",
            name,
            median(on),
            median(off),
            ratios[rounds / 2],
            ratios[0],
            ratios[rounds - 1]
        );
    }
}

fn observability(c: &mut Criterion) {
    for (name, work) in OBSERVABILITY {
        let mut group = c.benchmark_group(name);
        group
            .sample_size(20)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        for (label, threshold) in [
            ("reports_on", Some(Duration::from_millis(100))),
            ("reports_off", None),
        ] {
            let rt = observed_runtime(threshold);
            group.bench_function(label, |b| b.iter(|| work(&rt)));
        }
        group.finish();
    }
}

/// `BENCH_METRICS=schedule_latency`: the [`OBSERVABILITY`] workloads on a
/// runtime with the schedule-latency histogram and on one without,
/// alternating every round as [`print_observability`] does. Prints the
/// median of the per-round ratios with/without.
fn print_schedule_latency() {
    const ITERS: u32 = 20;
    let rounds = bench_rounds();
    println!(
        "{:<32} {:>10} {:>10} {:>7}   (median of {rounds} rounds; ratio: median, min–max of per-round with/without)",
        "workload", "with", "without", "ratio"
    );
    let build = |histogram: bool| {
        let mut b = runtime::Builder::new_multi_thread();
        b.worker_threads(workers());
        if histogram {
            b.enable_metrics_schedule_latency_histogram();
        }
        Ours(b.build().unwrap())
    };
    for (name, work) in OBSERVABILITY {
        let time = |histogram| {
            let rt = build(histogram);
            work(&rt); // warm up
            let start = std::time::Instant::now();
            for _ in 0..ITERS {
                work(&rt);
            }
            start.elapsed() / ITERS
        };
        let (mut with, mut without, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let (a, b) = if round % 2 == 0 {
                let a = time(true);
                (a, time(false))
            } else {
                let b = time(false);
                (time(true), b)
            };
            ratios.push(a.as_secs_f64() / b.as_secs_f64());
            with.push(a);
            without.push(b);
        }
        ratios.sort_by(f64::total_cmp);
        println!(
            "{:<32} {:>10.3?} {:>10.3?} {:>7.3}   ({:.3}–{:.3})",
            name,
            median(with),
            median(without),
            ratios[rounds / 2],
            ratios[0],
            ratios[rounds - 1]
        );
    }
}

/// One start-up: build a runtime, run an empty `block_on`, drop it.
type Startup = (&'static str, fn());

/// What a program that wraps a sync API around `block_on` (and every
/// `#[runtime::test]`) pays per runtime, for each flavor.
const STARTUPS: [Startup; 6] = [
    ("startup/current_thread/runtime", || {
        let rt = runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {});
    }),
    ("startup/current_thread/tokio", || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {});
    }),
    ("startup/current_thread/smol", || {
        let ex = async_executor::LocalExecutor::new();
        futures_lite::future::block_on(ex.run(async {}));
    }),
    ("startup/multi_thread/runtime", || {
        let rt = Ours::build();
        rt.block_on(async {});
    }),
    ("startup/multi_thread/tokio", || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers())
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {});
    }),
    ("startup/multi_thread/smol", || {
        let rt = Smol::build();
        rt.block_on(async {});
    }),
];

/// `BENCH_METRICS=startup`: each start-up `BENCH_ROUNDS` (default 200)
/// times, interleaved one by one across the runtimes in a new order each
/// round; medians.
fn print_startup() {
    let rounds = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(200usize);
    // BENCH_STARTUPS: only the start-ups whose name contains one of these
    // comma-separated words (default: all).
    let only = std::env::var("BENCH_STARTUPS").unwrap_or_default();
    let startups: Vec<_> = STARTUPS
        .iter()
        .filter(|(name, _)| only.is_empty() || only.split(',').any(|w| name.contains(w)))
        .collect();
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); startups.len()];
    for (_, f) in &startups {
        f(); // warm up
    }
    // Each round in a new (pseudo-random) order: whoever runs right after a
    // multi-thread runtime's drop meets its exiting threads on the CPUs, and
    // that must not always be the same one.
    let mut order: Vec<usize> = (0..startups.len()).collect();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..rounds {
        for k in (1..order.len()).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            order.swap(k, (seed % (k as u64 + 1)) as usize);
        }
        for &i in &order {
            let start = std::time::Instant::now();
            (startups[i].1)();
            times[i].push(start.elapsed());
        }
    }
    println!(
        "median of {rounds} interleaved runs, {} workers:",
        workers()
    );
    for ((name, _), t) in startups.iter().zip(times) {
        println!("{name:<34} {:>10.1?}", median(t));
    }
    print_block_on_ready();
}

/// Part of `BENCH_METRICS=startup`: `block_on` of a ready future on a
/// runtime already built (what a sync API wrapping `block_on` pays per
/// call), 100 000 calls per batch, batches alternating, median of 5.
fn print_block_on_ready() {
    const CALLS: u32 = 100_000;
    let ours_ct = runtime::Builder::new_current_thread().build().unwrap();
    let tokio_ct = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ours_mt = Ours::build();
    let tokio_mt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers())
        .enable_all()
        .build()
        .unwrap();
    let runs: [(&str, &dyn Fn()); 4] = [
        ("block_on_ready/current_thread/runtime", &|| {
            ours_ct.block_on(async {})
        }),
        ("block_on_ready/current_thread/tokio", &|| {
            tokio_ct.block_on(async {})
        }),
        ("block_on_ready/multi_thread/runtime", &|| {
            ours_mt.block_on(async {})
        }),
        ("block_on_ready/multi_thread/tokio", &|| {
            tokio_mt.block_on(async {})
        }),
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); runs.len()];
    for _ in 0..5 {
        for ((_, f), t) in runs.iter().zip(&mut times) {
            let start = std::time::Instant::now();
            for _ in 0..CALLS {
                f();
            }
            t.push(start.elapsed() / CALLS);
        }
    }
    for ((name, _), t) in runs.iter().zip(times) {
        println!("{name:<38} {:>6.0?}", median(t));
    }
}

fn startup(c: &mut Criterion) {
    let mut group = c.benchmark_group("startup");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (name, f) in STARTUPS {
        group.bench_function(name.trim_start_matches("startup/"), |b| b.iter(f));
    }
    group.finish();
}

fn main() {
    if let Some(filter) = std::env::var("BENCH_METRICS").ok().filter(|v| v != "0") {
        if filter == "schedule_latency" {
            print_schedule_latency();
            return;
        }
        if filter == "observability" {
            print_observability();
        } else if filter == "startup" {
            print_startup();
        } else {
            print_metrics(&filter);
        }
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    workloads(&mut c);
    scaling(&mut c);
    observability(&mut c);
    startup(&mut c);
    c.final_summary();
}
