//! Shutdown cancels queued jobs, lets running ones finish (within a bound),
//! and makes later spawns resolve to a cancellation.
#![cfg(not(loom))]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use futures::executor::block_on;
use runtime_blocking::BlockingPool;

#[test]
fn shutdown_cancels_queued_jobs_and_returns() {
    let pool = BlockingPool::new(1);
    let (started_tx, started) = mpsc::channel::<()>();
    let running = pool.spawn(move || {
        started_tx.send(()).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        "done"
    });
    started.recv().unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let queued: Vec<_> = (0..5)
        .map(|_| {
            let r = ran.clone();
            pool.spawn(move || r.fetch_add(1, SeqCst))
        })
        .collect();
    pool.shutdown();
    assert_eq!(block_on(running).unwrap(), "done");
    for h in queued {
        let err = block_on(h).unwrap_err();
        assert!(err.is_cancelled(), "{err:?}");
        assert!(err.to_string().contains("shut down"), "{err}");
    }
    assert_eq!(ran.load(SeqCst), 0);
    assert_eq!((pool.num_threads(), pool.queue_depth()), (0, 0));
}

#[test]
fn spawn_after_shutdown_resolves_cancelled() {
    let pool = BlockingPool::new(2);
    block_on(pool.spawn(|| ())).unwrap();
    assert!(pool.shutdown_timeout(Duration::from_secs(10)));
    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    let err = block_on(pool.spawn(move || r.store(true, SeqCst))).unwrap_err();
    assert!(err.is_cancelled());
    let err = block_on(pool.try_spawn(|| ()).unwrap()).unwrap_err();
    assert!(err.is_cancelled());
    assert!(!ran.load(SeqCst));
    assert!(format!("{pool:?}").contains("shut_down: true"));
}

#[test]
fn shutdown_timeout_gives_up_on_a_long_job() {
    let pool = BlockingPool::new(1);
    let (started_tx, started) = mpsc::channel::<()>();
    let (release, wait) = mpsc::channel::<()>();
    let long = pool.spawn(move || {
        started_tx.send(()).unwrap();
        let _ = wait.recv_timeout(Duration::from_secs(30));
        "finished late"
    });
    started.recv().unwrap();
    let t = Instant::now();
    assert!(!pool.shutdown_timeout(Duration::from_millis(200)));
    let waited = t.elapsed();
    assert!(
        waited >= Duration::from_millis(200),
        "returned early: {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(10),
        "waited far past the timeout: {waited:?}"
    );
    // The job still finishes, and then its thread exits.
    release.send(()).unwrap();
    assert_eq!(block_on(long).unwrap(), "finished late");
    assert!(pool.shutdown_timeout(Duration::from_secs(10)));
}

#[test]
fn dropping_the_last_clone_shuts_down_without_waiting() {
    let pool = BlockingPool::new(1);
    let stops = Arc::new(AtomicUsize::new(0));
    let (started_tx, started) = mpsc::channel::<()>();
    let (release, wait) = mpsc::channel::<()>();
    let running = pool.spawn(move || {
        started_tx.send(()).unwrap();
        wait.recv().unwrap();
        1
    });
    started.recv().unwrap();
    let queued = pool.spawn(|| 2);
    let clone = pool.clone();
    drop(pool);
    assert!(!queued.is_finished(), "a clone is still alive");
    let t = Instant::now();
    drop(clone); // must not wait for `running`
    assert!(t.elapsed() < Duration::from_secs(5));
    assert!(block_on(queued).unwrap_err().is_cancelled());
    release.send(()).unwrap();
    assert_eq!(block_on(running).unwrap(), 1);
    let _ = stops;
}

#[test]
fn idle_threads_exit_on_shutdown_and_run_their_stop_hook() {
    let stops = Arc::new(AtomicUsize::new(0));
    let s = stops.clone();
    let pool = BlockingPool::builder()
        .max_threads(4)
        .on_thread_stop(move || {
            s.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap();
    let hs: Vec<_> = (0..4)
        .map(|_| pool.spawn(|| std::thread::sleep(Duration::from_millis(20))))
        .collect();
    for h in hs {
        block_on(h).unwrap();
    }
    let threads = pool.num_threads();
    assert!(threads >= 1);
    assert!(pool.shutdown_timeout(Duration::from_secs(10)));
    assert_eq!(stops.load(SeqCst), threads);
    assert_eq!(pool.num_threads(), 0);
}

/// Runs `f` on its own thread; fails the test instead of hanging if it has
/// not finished after `secs` seconds.
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(f()));
    rx.recv_timeout(Duration::from_secs(secs))
        .unwrap_or_else(|e| panic!("hung ({e:?}): not finished after {secs} s"))
}

#[test]
fn two_jobs_shutting_their_own_pool_down_do_not_wait_for_each_other() {
    let pool = BlockingPool::new(2);
    // Both jobs are running before either shuts the pool down.
    let both = Arc::new(std::sync::Barrier::new(2));
    let (p, b) = (pool.clone(), both.clone());
    let a = pool.spawn(move || {
        b.wait();
        p.shutdown();
    });
    let (p, b) = (pool.clone(), both);
    let c = pool.spawn(move || {
        b.wait();
        p.shutdown_timeout(Duration::from_secs(3600))
    });
    let (a, c) = within(30, move || (block_on(a), block_on(c)));
    a.unwrap();
    assert!(
        c.unwrap(),
        "no thread but the two self-shutdowns was running"
    );
    assert!(pool.shutdown_timeout(Duration::from_secs(60)));
    assert_eq!(pool.num_threads(), 0);
}

#[test]
fn a_job_may_wait_for_another_after_its_own_shutdown_returned() {
    let pool = BlockingPool::new(2);
    let both = Arc::new(std::sync::Barrier::new(2));
    let (tx, rx) = mpsc::channel::<()>();
    let (p, b) = (pool.clone(), both.clone());
    let first = pool.spawn(move || {
        b.wait();
        p.shutdown();
        tx.send(()).unwrap();
    });
    let (p, b) = (pool.clone(), both);
    let second = pool.spawn(move || {
        b.wait();
        // Usually `first` is waiting in its shutdown by now (either order
        // must work): this shutdown must not make it wait for this job,
        // which waits for `first`.
        std::thread::sleep(Duration::from_millis(50));
        p.shutdown();
        rx.recv().unwrap();
    });
    let (first, second) = within(30, move || (block_on(first), block_on(second)));
    first.unwrap();
    second.unwrap();
    assert!(pool.shutdown_timeout(Duration::from_secs(60)));
    assert_eq!(pool.num_threads(), 0);
}
