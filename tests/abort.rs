mod common;
use common::*;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

#[test]
fn abort_before_first_poll_never_polls_current_thread() {
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    let polls = Arc::new(AtomicUsize::new(0));
    let p = polls.clone();
    let h = rt.spawn(async move {
        p.fetch_add(1, SeqCst);
    });
    h.abort();
    let err = rt.block_on(h).unwrap_err();
    assert!(err.is_cancelled());
    assert_eq!(polls.load(SeqCst), 0);
}

#[test]
fn abort_before_first_poll_never_polls_multi_thread() {
    // Spawned onto a runtime whose only worker is busy, so the abort lands
    // while the task is still queued.
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let polls = Arc::new(AtomicUsize::new(0));
    let (block_tx, block_rx) = std::sync::mpsc::channel::<()>();
    let (busy_tx, busy_rx) = std::sync::mpsc::channel::<()>();
    rt.spawn(async move {
        busy_tx.send(()).unwrap();
        block_rx.recv().unwrap(); // occupies the only worker
    });
    busy_rx.recv().unwrap();
    let p = polls.clone();
    let h = rt.spawn(async move {
        p.fetch_add(1, SeqCst);
    });
    h.abort();
    block_tx.send(()).unwrap();
    let err = rt.block_on(h).unwrap_err();
    assert!(err.is_cancelled());
    assert_eq!(polls.load(SeqCst), 0);
}

both_flavors!(abort_of_pending_task_gives_cancelled_and_drops_once, |rt| {
    let drops = DropCounter::default();
    let polls = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let d = drops.track();
        let f = Forever {
            polls: polls.clone(),
        };
        let h = runtime::spawn(async move {
            let _d = d;
            f.await
        });
        eventually(|| polls.load(SeqCst) >= 1).await;
        h.abort();
        h.abort(); // idempotent
        let err = h.await.unwrap_err();
        assert!(err.is_cancelled());
        assert!(!err.is_panic());
        assert!(err.to_string().contains("cancelled"));
    });
    assert_eq!(drops.get(), 1);
});

both_flavors!(abort_after_completion_keeps_output, |rt| {
    rt.block_on(async {
        let h = runtime::spawn(async { 3 });
        let a = h.abort_handle();
        eventually(|| a.is_finished()).await;
        a.abort();
        assert_eq!(h.await.unwrap(), 3);
    });
});

both_flavors!(abort_handle_cancels_from_another_thread, |rt| {
    let drops = DropCounter::default();
    rt.block_on(async {
        let d = drops.track();
        let h = runtime::spawn(async move {
            let _d = d;
            std::future::pending::<()>().await
        });
        let a = h.abort_handle();
        std::thread::spawn(move || a.abort()).join().unwrap();
        assert!(h.await.unwrap_err().is_cancelled());
    });
    assert_eq!(drops.get(), 1);
});

#[test]
fn abort_while_running_cancels_after_the_poll() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let drops = DropCounter::default();
    let (in_poll_tx, in_poll_rx) = std::sync::mpsc::channel::<()>();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let d = drops.track();
    let h = rt.spawn(async move {
        let _d = d;
        in_poll_tx.send(()).unwrap();
        release_rx.recv().unwrap(); // still inside the first poll
        std::future::pending::<()>().await
    });
    in_poll_rx.recv().unwrap();
    h.abort();
    release_tx.send(()).unwrap();
    assert!(rt.block_on(h).unwrap_err().is_cancelled());
    assert_eq!(drops.get(), 1);
}
