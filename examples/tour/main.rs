//! A tour of the runtime: the programs of asyncio's tutorials, run on
//! this runtime, printing what happened and how long it took.
//!
//!     cargo run --release --example tour
//!
//! Tasks, time and the combinators are here; structured cancellation,
//! channels and locks, I/O (sockets, files, child processes) and signals
//! are in the modules beside this file, in the order `main` runs them.

mod io;
mod signals;
mod structured;
mod sync;

use runtime::task::{self, JoinError};
use runtime::time;
use runtime::{Builder, Runtime};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn main() {
    println!(
        "runtime tour — {} CPU cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "(lines that start with `runtime WARN` or `runtime ERROR` are the runtime's own \
         reports: slow polls, lost panics, tasks left pending. They go through `tracing`; \
         with no subscriber installed, as here, they are printed to stderr.)\n"
    );
    interleaving_tasks();
    never_awaiting_task();
    fire_and_forget();
    cancel();
    sleeping_tasks();
    timeouts();
    combinators();
    structured::structured_cancellation();
    cpu_bound_in_an_executor();
    spawn_many();
    sync::channels_and_locks();
    io::networking();
    io::files();
    io::child_processes();
    seeing_inside();
    // Last: from here on, Ctrl-C no longer ends the process by itself.
    signals::signals_and_run_forever();
}

fn section(title: &str, asyncio: &str) {
    println!("== {title}");
    println!("   (asyncio: {asyncio})");
}

/// Runs one part of a section with a time limit: an error or a timeout is
/// printed, and the tour goes on.
async fn bounded(limit: Duration, part: impl std::future::Future<Output = std::io::Result<()>>) {
    match time::timeout(limit, part).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => println!("   failed: {e}"),
        Err(_) => println!("   gave up after {limit:?} (a very busy machine?)"),
    }
}

/// Two looping tasks that await and interleave.
fn interleaving_tasks() {
    section(
        "two tasks that await take turns",
        "two coroutines with `await asyncio.sleep(0)` in their loops",
    );
    let rt = Builder::new_current_thread().build().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    rt.block_on(async {
        let tasks: Vec<_> = ["A", "B"]
            .into_iter()
            .map(|name| {
                let log = log.clone();
                runtime::spawn(async move {
                    for i in 0..3 {
                        log.lock().unwrap().push(format!("{name}{i}"));
                        task::yield_now().await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    println!(
        "   current-thread runtime ran: {}  ({:?})",
        log.lock().unwrap().join(" "),
        start.elapsed()
    );
    println!("   each `yield_now().await` lets the other task run: strict alternation.\n");
}

/// A task that never awaits, beside one that does, on 2 workers — and on
/// one thread, for contrast.
fn never_awaiting_task() {
    section(
        "a task that never awaits does not stop the others (given several workers)",
        "a coroutine stuck in a CPU loop blocks the whole event loop",
    );
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let s = stop.clone();
    let hog = rt.spawn(async move {
        let mut spins = 0u64;
        while !s.load(Ordering::Relaxed) {
            spins += 1;
            std::hint::spin_loop();
        }
        spins
    });
    let polite = rt.spawn(async move {
        for _ in 0..10_000 {
            task::yield_now().await;
        }
        start.elapsed()
    });
    let polite_done = rt.block_on(polite).unwrap();
    stop.store(true, Ordering::Relaxed);
    let spins = rt.block_on(hog).unwrap();
    println!(
        "   the polite task finished 10 000 yields in {polite_done:?} while the hog spun \
         {spins} times on the other worker;"
    );
    println!(
        "   with 2 workers one busy task costs one core, not the program. It takes several \
         workers: the hog holds its own thread for as long as it spins."
    );

    // The contrast: one thread, as asyncio's event loop.
    let rt = Builder::new_current_thread().build().unwrap();
    let (hog_for, polite_done) = rt.block_on(async {
        let start = Instant::now();
        let hog = runtime::spawn(async {
            let spin = Instant::now();
            while spin.elapsed() < Duration::from_millis(200) {
                std::hint::spin_loop(); // never awaits
            }
            spin.elapsed()
        });
        let polite = runtime::spawn(async move {
            for _ in 0..10_000 {
                task::yield_now().await;
            }
            start.elapsed()
        });
        (hog.await.unwrap(), polite.await.unwrap())
    });
    println!(
        "   on a current-thread runtime (one thread, like asyncio's loop) a hog spinning \
         {hog_for:.0?} without an await holds that thread:"
    );
    println!(
        "   the same 10 000 yields finished only after {polite_done:.0?}, none of them before \
         the hog let go (the slow-poll WARN above is about it).\n"
    );
}

/// Spawned tasks run without being awaited.
fn fire_and_forget() {
    section(
        "spawned tasks run even if nobody awaits them",
        "`asyncio.create_task(...)` without `await`",
    );
    let rt = Runtime::new().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let start = Instant::now();
    for i in 0..3 {
        let tx = tx.clone();
        // The JoinHandle is dropped at once: the task is detached, not cancelled.
        drop(rt.spawn(async move {
            tx.send((i, start.elapsed())).unwrap();
        }));
    }
    drop(tx);
    let mut ran: Vec<_> = rx.iter().collect();
    ran.sort();
    for (i, t) in ran {
        println!("   detached task {i} ran after {t:?}");
    }
    println!();
}

/// Cancel a task.
fn cancel() {
    section(
        "cancel a task",
        "`task.cancel()`, then `await task` raises CancelledError",
    );
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let handle = task::Builder::new()
            .name("forever")
            .spawn(std::future::pending::<()>())
            .unwrap();
        task::yield_now().await;
        let start = Instant::now();
        handle.abort();
        let err: JoinError = handle.await.unwrap_err();
        println!(
            "   aborted: is_cancelled() = {}, \"{err}\", in {:?}",
            err.is_cancelled(),
            start.elapsed()
        );
        // Print panics in one line instead of the default hook's report
        // (whose "panicked at <file>:" and message are two lines).
        std::panic::set_hook(Box::new(|info| {
            println!("   [panic hook] {}", info.to_string().replace('\n', " "))
        }));
        let panicked = runtime::spawn(async { panic!("something broke") }).await;
        let _ = std::panic::take_hook();
        let err = panicked.unwrap_err();
        println!(
            "   a panicking task: is_panic() = {}, \"{err}\"",
            err.is_panic()
        );
    });
    println!("   (the worker that ran the panicking task keeps serving)\n");
}

/// Three tasks sleeping different lengths run concurrently.
fn sleeping_tasks() {
    section(
        "three tasks sleep 300, 200 and 100 ms at once",
        "`await asyncio.gather(sleep(0.3), sleep(0.2), sleep(0.1))`",
    );
    let rt = Runtime::new().unwrap();
    let start = Instant::now();
    rt.block_on(async {
        let tasks: Vec<_> = [300u64, 200, 100]
            .into_iter()
            .map(|ms| {
                runtime::spawn(async move {
                    time::sleep(Duration::from_millis(ms)).await;
                    println!("   slept {ms} ms, done at {:>7.1?}", start.elapsed());
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    println!(
        "   all three done after {:.1?}: the sleeps overlap (sequentially it would be 600 ms)\n",
        start.elapsed()
    );
}

/// `timeout` of a slow future, and paused time.
fn timeouts() {
    section(
        "give up on a slow operation",
        "`await asyncio.wait_for(slow(), timeout=0.1)`",
    );
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let start = Instant::now();
        let slow = async {
            time::sleep(Duration::from_secs(10)).await;
            "finished"
        };
        match time::timeout(Duration::from_millis(100), slow).await {
            Ok(v) => println!("   got {v}"),
            Err(e) => println!("   timeout: \"{e}\" after {:.1?}", start.elapsed()),
        }
        let fast = time::timeout(Duration::from_millis(100), async { 42 }).await;
        println!("   a fast future inside the same limit: {fast:?}");
    });
    let paused = Builder::new_current_thread()
        .start_paused(true)
        .build()
        .unwrap();
    let wall = Instant::now();
    let virtual_elapsed = paused.block_on(async {
        let start = time::Instant::now();
        time::sleep(Duration::from_secs(3600)).await;
        start.elapsed()
    });
    println!(
        "   with the clock paused, sleep(1 h) took {:.1?} of wall time ({virtual_elapsed:?} virtual)\n",
        wall.elapsed()
    );
}

/// asyncio's ways of composing tasks.
fn combinators() {
    use runtime::task::ReturnWhen;
    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        section(
            "gather: run all, results in input order",
            "`await asyncio.gather(a, b, c)`",
        );
        let start = Instant::now();
        let results = task::gather([300u64, 200, 100].map(|d| async move {
            time::sleep(ms(d)).await;
            d
        }))
        .await;
        println!(
            "   {results:?} after {:.0?} (the sleeps overlap)\n",
            start.elapsed()
        );

        section(
            "as_completed: results as they finish, with their input index",
            "`for coro in asyncio.as_completed(aws)` — which one finished? asyncio can't say",
        );
        let start = Instant::now();
        let mut done = task::as_completed([300u64, 100, 200].map(|d| async move {
            time::sleep(ms(d)).await;
            d
        }));
        while let Some((index, d)) = done.next().await {
            println!(
                "   input #{index} ({d} ms) finished at {:>5.0?}",
                start.elapsed()
            );
        }
        println!();

        section(
            "wait with a timeout: what's done, what's still running",
            "`done, pending = await asyncio.wait(tasks, timeout=0.15)`",
        );
        let handles: Vec<_> = [50u64, 100, 400]
            .into_iter()
            .map(|d| {
                runtime::spawn(async move {
                    time::sleep(ms(d)).await;
                    d
                })
            })
            .collect();
        let (done, pending) = task::wait(handles, ReturnWhen::AllCompleted, Some(ms(150))).await;
        let done: Vec<_> = done.into_iter().map(|(i, r)| (i, r.unwrap())).collect();
        let pending_idx: Vec<_> = pending.iter().map(|(i, _)| *i).collect();
        println!("   done (index, value): {done:?}; still running: {pending_idx:?}");
        for (_, h) in pending {
            h.abort();
        }
        println!();

        section(
            "wait_for past an SLA: the slow task is cancelled, not leaked",
            "`await asyncio.wait_for(task, timeout=0.1)` (tokio's timeout would detach it)",
        );
        let slow = runtime::spawn(async {
            time::sleep(ms(10_000)).await;
            "too late"
        });
        let id = slow.id();
        let start = Instant::now();
        match task::wait_for(ms(100), slow).await {
            Ok(r) => println!("   got {r:?}"),
            Err(e) => println!(
                "   {e} after {:.0?}: task {id} was aborted",
                start.elapsed()
            ),
        }
        let alive = runtime::Handle::current().metrics().num_alive_tasks();
        println!("   tasks still alive afterwards: {alive}\n");

        section(
            "JoinSet: a bag of tasks, joined as they finish",
            "a set of tasks + `asyncio.wait(FIRST_COMPLETED)`",
        );
        let mut set = task::JoinSet::new();
        for d in [30u64, 10, 20] {
            set.spawn(async move {
                time::sleep(ms(d)).await;
                d
            });
        }
        set.spawn_blocking(|| 5); // blocking jobs join the same set
        let mut order = Vec::new();
        while let Some(r) = set.join_next().await {
            order.push(r.unwrap());
        }
        println!(
            "   joined in completion order: {order:?}; dropping a JoinSet aborts what is left\n"
        );
    });
}

/// CPU-bound loops belong in an executor.
fn cpu_bound_in_an_executor() {
    section(
        "CPU-bound loops belong in an executor",
        "`await loop.run_in_executor(ThreadPoolExecutor(2), cpu_loop)` — without a GIL here",
    );
    fn cpu_loop(n: u64) -> u64 {
        (0..n).fold(0u64, |acc, i| acc.wrapping_add((i * i) ^ (acc >> 3)))
    }
    const N: u64 = 150_000_000;
    let one = Instant::now();
    std::hint::black_box(cpu_loop(std::hint::black_box(N)));
    let one = one.elapsed();
    let pool = runtime::blocking::BlockingPool::new(2);
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    rt.block_on(async {
        let start = Instant::now();
        let ticks = runtime::spawn(async move {
            let mut every = time::interval(Duration::from_millis(10));
            let mut n = 0;
            while start.elapsed() < one {
                every.tick().await;
                n += 1;
            }
            n
        });
        let jobs: Vec<_> = (0..2)
            .map(|_| runtime::run_in_executor(&pool, || cpu_loop(std::hint::black_box(N))))
            .collect();
        for j in jobs {
            std::hint::black_box(j.await.unwrap());
        }
        let both = start.elapsed();
        let ticks = ticks.await.unwrap();
        // Side by side, two loops take about as long as one; one after the
        // other, twice as long.
        let ratio = both.as_secs_f64() / one.as_secs_f64();
        let verdict = if ratio < 1.5 {
            "they ran in parallel"
        } else if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
            "one after the other: this machine has one core"
        } else {
            "they did not overlap much: other programs are busy on these cores"
        };
        println!("   one CPU loop alone:                 {one:>8.1?}");
        println!("   two loops in a 2-thread pool:       {both:>8.1?}  ({ratio:.2}x one loop: {verdict})");
        println!(
            "   meanwhile an async task ticked {ticks} times every 10 ms on the runtime's one worker"
        );
        let blocking = runtime::spawn_blocking(|| std::fs::read_to_string("Cargo.toml").map(|s| s.len()));
        println!(
            "   blocking I/O goes to the runtime's own elastic pool: read {} bytes with spawn_blocking\n",
            blocking.await.unwrap().unwrap()
        );
    });
}

/// Many small tasks, to show what a spawn costs.
fn spawn_many() {
    section(
        "spawn and join many small tasks",
        "100 000 `create_task` + `gather`",
    );
    let rt = Runtime::new().unwrap();
    for n in [10_000usize, 100_000] {
        let start = Instant::now();
        let sum = rt.block_on(async move {
            let handles: Vec<_> = (0..n).map(|i| runtime::spawn(async move { i })).collect();
            let mut sum = 0;
            for h in handles {
                sum += h.await.unwrap();
            }
            sum
        });
        let took = start.elapsed();
        assert_eq!(sum, n * (n - 1) / 2);
        println!(
            "   {n:>7} tasks spawned and joined in {took:>10.2?} = {:>5.0} ns per task",
            took.as_nanos() as f64 / n as f64
        );
    }
    println!();
}

/// The task dump and the slow-poll report.
fn seeing_inside() {
    section(
        "what is my program doing?",
        "`asyncio.all_tasks()` and debug mode's \"Executing <Task> took 0.3 seconds\"",
    );
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let names = ["fetch-users", "fetch-orders", "heartbeat"];
        let handles: Vec<_> = names
            .iter()
            .map(|name| {
                task::Builder::new()
                    .name(name)
                    .spawn(std::future::pending::<()>())
                    .unwrap()
            })
            .collect();
        time::sleep(Duration::from_millis(10)).await;
        print!(
            "   {}",
            runtime::Handle::current()
                .dump()
                .to_string()
                .replace('\n', "\n   ")
        );
        println!();
        for h in handles {
            h.abort();
        }
        println!(
            "   a task that calls std::thread::sleep(300 ms) inside async code; the runtime \
             reports it while it blocks:"
        );
        task::Builder::new()
            .name("blocking-bug")
            .spawn(async { std::thread::sleep(Duration::from_millis(300)) })
            .unwrap()
            .await
            .unwrap();
    });
    let m = rt.handle().metrics();
    println!(
        "   metrics: {} workers, {} polls, {} steals, {} parks, {} slow poll(s)\n",
        m.num_workers(),
        (0..m.num_workers())
            .map(|i| m.worker_poll_count(i))
            .sum::<u64>(),
        (0..m.num_workers())
            .map(|i| m.worker_steal_count(i))
            .sum::<u64>(),
        (0..m.num_workers())
            .map(|i| m.worker_park_count(i))
            .sum::<u64>(),
        m.slow_poll_count(),
    );
}
