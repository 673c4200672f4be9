//! The Miri smoke suite, multi-thread flavor: under Tree Borrows
//! (`MIRI_MODEL=tree ../shared/tools/miri --test miri_mt`, in `.ci/run`),
//! because crossbeam-epoch, under the run queues, trips Stacked Borrows
//! upstream. Also a plain test binary in `cargo test`.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

fn rt() -> runtime::Runtime {
    runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .slow_poll_threshold(None)
        .build()
        .unwrap()
}

#[test]
fn spawn_join_detach_abort_across_workers() {
    let rt = rt();
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    rt.block_on(async move {
        let mut joins = Vec::new();
        for i in 0..8usize {
            let r = r.clone();
            joins.push(runtime::spawn(async move {
                runtime::task::yield_now().await;
                r.fetch_add(1, SeqCst);
                i
            }));
        }
        drop(runtime::spawn(async { runtime::task::yield_now().await }));
        let pending = runtime::spawn(std::future::pending::<()>());
        pending.abort();
        assert!(pending.await.unwrap_err().is_cancelled());
        let err = runtime::spawn(async { panic!("boom") }).await.unwrap_err();
        assert!(err.is_panic());
        let mut sum = 0;
        for j in joins {
            sum += j.await.unwrap();
        }
        assert_eq!(sum, 28);
    });
    assert_eq!(ran.load(SeqCst), 8);
}

#[test]
fn ping_pong_between_tasks() {
    let rt = rt();
    rt.block_on(async {
        let (tx1, mut rx1) = futures::channel::mpsc::channel::<u32>(1);
        let (mut tx2, mut rx2) = futures::channel::mpsc::channel::<u32>(1);
        let pong = runtime::spawn(async move {
            use futures::{SinkExt, StreamExt};
            while let Some(v) = rx1.next().await {
                tx2.send(v + 1).await.unwrap();
            }
        });
        let mut tx1 = tx1;
        use futures::{SinkExt, StreamExt};
        for i in 0..10 {
            tx1.send(i).await.unwrap();
            assert_eq!(rx2.next().await, Some(i + 1));
        }
        drop(tx1);
        pong.await.unwrap();
    });
}

#[test]
fn spawn_blocking_and_shutdown_with_live_tasks() {
    let rt = rt();
    rt.block_on(async {
        assert_eq!(runtime::spawn_blocking(|| 5).await.unwrap(), 5);
        for _ in 0..4 {
            drop(runtime::spawn(std::future::pending::<()>()));
        }
    });
    drop(rt);
}
