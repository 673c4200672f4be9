//! Idle threads retire after `keep_alive`, and come back when needed.
#![cfg(not(loom))]

use std::time::{Duration, Instant};

use futures::executor::block_on;
use runtime_blocking::BlockingPool;

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn idle_threads_retire_and_restart() {
    let pool = BlockingPool::builder()
        .max_threads(4)
        .keep_alive(Duration::from_millis(100))
        .build()
        .unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| pool.spawn(|| std::thread::sleep(Duration::from_millis(20))))
        .collect();
    for h in handles {
        block_on(h).unwrap();
    }
    assert!(pool.num_threads() >= 1);
    wait_for("idle threads to retire", || pool.num_threads() == 0);
    assert_eq!(pool.idle_threads(), 0);
    // A retired pool starts a thread again on demand.
    assert_eq!(block_on(pool.spawn(|| 1)).unwrap(), 1);
    assert!(pool.shutdown_timeout(Duration::from_secs(10)));
}

#[test]
fn stop_hook_runs_when_a_thread_retires() {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    let (starts, stops) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (s1, s2) = (starts.clone(), stops.clone());
    let pool = BlockingPool::builder()
        .max_threads(1)
        .keep_alive(Duration::from_millis(50))
        .on_thread_start(move || {
            s1.fetch_add(1, SeqCst);
        })
        .on_thread_stop(move || {
            s2.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap();
    block_on(pool.spawn(|| ())).unwrap();
    assert_eq!(starts.load(SeqCst), 1);
    wait_for("the thread to retire", || stops.load(SeqCst) == 1);
    assert_eq!(pool.num_threads(), 0);
}
