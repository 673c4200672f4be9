//! Dropping a handle detaches the job: it still runs, its result is dropped.
#![cfg(not(loom))]

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use runtime_blocking::BlockingPool;

struct CountDrop(Arc<AtomicUsize>);
impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn dropped_handle_job_still_runs_and_its_result_is_dropped_once() {
    let pool = BlockingPool::new(1);
    let drops = Arc::new(AtomicUsize::new(0));
    let (ran_tx, ran) = mpsc::channel::<()>();
    let d = drops.clone();
    drop(pool.spawn(move || {
        ran_tx.send(()).unwrap();
        CountDrop(d)
    }));
    ran.recv_timeout(Duration::from_secs(20))
        .expect("a detached job still runs");
    assert!(pool.shutdown_timeout(Duration::from_secs(10)));
    assert_eq!(drops.load(SeqCst), 1);
}

#[test]
fn unreceived_results_and_panics_are_dropped_without_harm() {
    let pool = BlockingPool::new(2);
    let drops = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    for i in 0..100 {
        let (d, f) = (drops.clone(), finished.clone());
        drop(pool.spawn(move || {
            let _done = CountDrop(f); // counts even when the job panics
            if i % 10 == 0 {
                panic!("nobody is listening");
            }
            CountDrop(d)
        }));
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while finished.load(SeqCst) < 100 {
        assert!(
            std::time::Instant::now() < deadline,
            "detached jobs did not all run"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(pool.shutdown_timeout(Duration::from_secs(20)));
    assert_eq!(drops.load(SeqCst), 90);
}
