//! A tour of the runtime: the seed programs of asyncio's tutorials, run on
//! this runtime, printing what happened and how long it took.
//!
//!     cargo run --release --example tour

use runtime::task::{self, JoinError};
use runtime::time;
use runtime::{Builder, Runtime};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn main() {
    println!(
        "runtime tour — {} CPU cores\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    interleaving_tasks();
    never_awaiting_task();
    fire_and_forget();
    cancel();
    sleeping_tasks();
    timeouts();
    spawn_many();
}

fn section(title: &str, asyncio: &str) {
    println!("== {title}");
    println!("   (asyncio: {asyncio})");
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

/// A task that never awaits, beside one that does, on 2 workers.
fn never_awaiting_task() {
    section(
        "a task that never awaits does not stop the others",
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
    println!("   with 2 workers one busy task costs one core, not the program.\n");
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
        // Print panics in one line instead of the default hook's report.
        std::panic::set_hook(Box::new(|info| println!("   [panic hook] {info}")));
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
