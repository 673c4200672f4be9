//! The pool never runs more than `max_threads` jobs at once, and runs them all.
#![cfg(not(loom))]

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use futures::executor::block_on;
use runtime_blocking::BlockingPool;

#[test]
fn twelve_sleeping_jobs_on_three_threads() {
    let pool = BlockingPool::new(3);
    let running = Arc::new(AtomicUsize::new(0));
    let high_water = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..12)
        .map(|i| {
            let (running, high_water) = (running.clone(), high_water.clone());
            pool.spawn(move || {
                let now = running.fetch_add(1, SeqCst) + 1;
                high_water.fetch_max(now, SeqCst);
                std::thread::sleep(Duration::from_millis(50));
                running.fetch_sub(1, SeqCst);
                i
            })
        })
        .collect();
    assert!(pool.num_threads() <= 3);
    let results: Vec<_> = handles.into_iter().map(|h| block_on(h).unwrap()).collect();
    assert_eq!(results, (0..12).collect::<Vec<_>>());
    let hw = high_water.load(SeqCst);
    assert!(hw <= 3, "{hw} jobs ran at once on a 3-thread pool");
    assert!(hw >= 2, "jobs that sleep should overlap (high water {hw})");
    assert!(pool.num_threads() <= 3);
}

#[test]
fn blocked_jobs_each_get_a_thread_below_the_cap() {
    // Every job waits until all 8 are running at once: passes only if a job
    // that blocks never keeps a queued job from getting its own thread.
    let pool = BlockingPool::new(8);
    let arrived = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let arrived = arrived.clone();
            pool.spawn(move || {
                arrived.fetch_add(1, SeqCst);
                let deadline = std::time::Instant::now() + Duration::from_secs(20);
                while arrived.load(SeqCst) < 8 && std::time::Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(1));
                }
                arrived.load(SeqCst)
            })
        })
        .collect();
    for h in handles {
        assert_eq!(block_on(h).unwrap(), 8, "some job never got a thread");
    }
    assert_eq!(pool.num_threads(), 8);
}
