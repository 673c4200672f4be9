//! With a queue limit, `try_spawn` refuses extra jobs and gives them back;
//! every accepted job still completes.
#![cfg(not(loom))]

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use futures::executor::block_on;
use runtime_blocking::BlockingPool;

#[test]
fn try_spawn_beyond_the_limit_returns_the_closure() {
    let pool = BlockingPool::builder()
        .max_threads(1)
        .queue_limit(3)
        .build()
        .unwrap();
    let (release, wait) = mpsc::channel::<()>();
    let (started_tx, started) = mpsc::channel::<()>();
    let blocker = pool.spawn(move || {
        started_tx.send(()).unwrap();
        wait.recv().unwrap();
        0
    });
    started.recv().unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let mut accepted = Vec::new();
    let mut refused = 0;
    for i in 1..=6 {
        let r = ran.clone();
        match pool.try_spawn(move || {
            r.fetch_add(1, SeqCst);
            i
        }) {
            Ok(h) => accepted.push(h),
            Err(full) => {
                refused += 1;
                assert_eq!(full.limit(), 3);
                assert!(full.to_string().contains("queue is full"), "{full}");
                assert!(format!("{full:?}").contains("QueueFull"));
                // The closure comes back intact and can run here.
                assert_eq!(full.into_inner()(), i);
            }
        }
    }
    assert_eq!((accepted.len(), refused), (3, 3));
    assert_eq!(pool.queue_depth(), 3);
    // `spawn` respects the limit too: the handle says why.
    let err = block_on(pool.spawn(|| 99)).unwrap_err();
    assert!(
        err.is_cancelled() && err.to_string().contains("queue_limit = 3"),
        "{err}"
    );
    release.send(()).unwrap();
    assert_eq!(block_on(blocker).unwrap(), 0);
    let results: Vec<_> = accepted.into_iter().map(|h| block_on(h).unwrap()).collect();
    assert_eq!(results, [1, 2, 3]);
    assert_eq!(ran.load(SeqCst), 6); // 3 on the pool, 3 by hand
                                     // Room again.
    assert_eq!(block_on(pool.try_spawn(|| 7).unwrap()).unwrap(), 7);
    assert!(pool.shutdown_timeout(Duration::from_secs(10)));
}

#[test]
fn error_is_a_std_error() {
    fn is_error<E: std::error::Error>(_: &E) {}
    let pool = BlockingPool::builder()
        .max_threads(1)
        .queue_limit(1)
        .build()
        .unwrap();
    let (release, wait) = mpsc::channel::<()>();
    let (started_tx, started) = mpsc::channel::<()>();
    let _busy = pool.spawn(move || {
        started_tx.send(()).unwrap();
        wait.recv().unwrap();
    });
    started.recv().unwrap();
    let _queued = pool.try_spawn(|| ()).unwrap();
    let full = pool.try_spawn(|| ()).unwrap_err();
    is_error(&full);
    release.send(()).unwrap();
    assert!(pool.shutdown_timeout(Duration::from_secs(10)));
}
