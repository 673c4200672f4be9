//! Memory per pending task: spawns N tasks that never finish
//! (`std::future::pending`) and prints how much the process's resident set
//! grew, per task. One runtime per process, so the figures do not mix.
//!
//!     cargo run --release -p runtime-benches --features bench --example task_memory -- runtime 1000000
//!     cargo run --release -p runtime-benches --features bench --example task_memory -- tokio 1000000
//!     cargo run --release -p runtime-benches --features bench --example task_memory -- smol 1000000

use std::future::pending;
use std::time::Duration;

/// Resident set size in bytes (`/proc/self/statm`, second field, in pages).
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "runtime".into());
    let n: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    // Spawned from inside the runtime (a worker's queue), then given time for
    // every task to be polled once: each is then a pending, registered task.
    match which.as_str() {
        "runtime" => {
            // Spawning a million tasks is one poll of well over 100 ms: no
            // slow-poll report for it (the registry, which `all_tasks`
            // reads, stays on as by default).
            let rt = runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .slow_poll_threshold(None)
                .build()
                .unwrap();
            rt.block_on(runtime::task::yield_now());
            let before = rss();
            rt.block_on(rt.spawn(async move {
                for _ in 0..n {
                    drop(runtime::spawn(pending::<()>()));
                }
            }))
            .unwrap();
            report_and_exit(&which, n, before);
        }
        "tokio" => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(tokio::task::yield_now());
            let before = rss();
            rt.block_on(rt.spawn(async move {
                for _ in 0..n {
                    drop(tokio::spawn(pending::<()>()));
                }
            }))
            .unwrap();
            report_and_exit(&which, n, before);
        }
        "smol" => {
            let ex: &'static async_executor::Executor = Box::leak(Box::default());
            for _ in 0..2 {
                std::thread::spawn(move || futures_lite::future::block_on(ex.run(pending::<()>())));
            }
            std::thread::sleep(Duration::from_millis(50));
            let before = rss();
            let spawner = ex.spawn(async move {
                for _ in 0..n {
                    ex.spawn(pending::<()>()).detach();
                }
            });
            futures_lite::future::block_on(spawner);
            report_and_exit(&which, n, before);
        }
        other => panic!("unknown runtime {other:?}: runtime, tokio or smol"),
    }
}

/// Gives every task time to be polled once, prints the growth, and exits
/// with the runtime still alive: cancelling a million tasks is not measured.
fn report_and_exit(which: &str, n: usize, before: usize) -> ! {
    std::thread::sleep(Duration::from_millis(500));
    let grew = rss().saturating_sub(before);
    println!(
        "{which:<8} {n} pending tasks: RSS +{:.1} MiB = {:.0} bytes per task",
        grew as f64 / (1 << 20) as f64,
        grew as f64 / n as f64
    );
    std::process::exit(0);
}
