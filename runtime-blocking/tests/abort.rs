//! Aborting a job that has not started means it never runs; a running job
//! cannot be interrupted.
#![cfg(not(loom))]

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use futures::executor::block_on;
use runtime_blocking::BlockingPool;

/// A one-thread pool whose thread is held by a job until `release` is sent.
fn busy_pool() -> (
    BlockingPool,
    mpsc::Sender<()>,
    runtime_blocking::BlockingHandle<()>,
) {
    let pool = BlockingPool::new(1);
    let (release, wait) = mpsc::channel::<()>();
    let (started_tx, started) = mpsc::channel::<()>();
    let blocker = pool.spawn(move || {
        started_tx.send(()).unwrap();
        wait.recv().unwrap();
    });
    started.recv().unwrap();
    (pool, release, blocker)
}

#[test]
fn aborted_queued_job_never_runs_and_resolves_cancelled_at_once() {
    let (pool, release, blocker) = busy_pool();
    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    let h = pool.spawn(move || r.store(true, SeqCst));
    assert!(!h.is_finished());
    h.abort();
    assert!(h.is_finished());
    // Resolves while the only thread is still busy.
    let err = block_on(h).unwrap_err();
    assert!(err.is_cancelled(), "{err:?}");
    release.send(()).unwrap();
    block_on(blocker).unwrap();
    // The thread has since picked the aborted job up, and skipped it.
    assert_eq!(block_on(pool.spawn(|| 3)).unwrap(), 3);
    assert!(pool.shutdown_timeout(Duration::from_secs(10)));
    assert!(!ran.load(SeqCst), "an aborted job ran");
}

#[test]
fn abort_handle_works_from_another_thread() {
    let (pool, release, blocker) = busy_pool();
    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    let h = pool.spawn(move || r.store(true, SeqCst));
    let abort = h.abort_handle();
    assert_eq!(abort.id(), h.id());
    let abort2 = abort.clone();
    std::thread::spawn(move || abort2.abort()).join().unwrap();
    assert!(abort.is_finished());
    assert!(block_on(h).unwrap_err().is_cancelled());
    release.send(()).unwrap();
    block_on(blocker).unwrap();
    assert!(pool.shutdown_timeout(Duration::from_secs(10)));
    assert!(!ran.load(SeqCst));
}

#[test]
fn abort_of_a_running_job_has_no_effect() {
    let pool = BlockingPool::new(1);
    let (release, wait) = mpsc::channel::<()>();
    let (started_tx, started) = mpsc::channel::<()>();
    let h = pool.spawn(move || {
        started_tx.send(()).unwrap();
        wait.recv().unwrap();
        "finished anyway"
    });
    started.recv().unwrap();
    h.abort();
    assert!(!h.is_finished());
    release.send(()).unwrap();
    assert_eq!(block_on(h).unwrap(), "finished anyway");
}

#[test]
fn abort_after_completion_keeps_the_value() {
    let pool = BlockingPool::new(1);
    let h = pool.spawn(|| 9);
    let abort = h.abort_handle();
    while !abort.is_finished() {
        std::thread::sleep(Duration::from_millis(1));
    }
    h.abort();
    assert_eq!(block_on(h).unwrap(), 9);
}
