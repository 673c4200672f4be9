//! `JoinHandle` and `AbortHandle`: a task's value, detaching, aborting
//! (before, during and after a poll), and tasks awaiting each other's
//! handles.
mod common;
use common::*;
use runtime::task::JoinHandle;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

both_flavors!(join_returns_the_value, |rt| {
    let v = rt.block_on(async {
        let hs: Vec<_> = (0..1000u64)
            .map(|i| runtime::spawn(async move { i * 2 }))
            .collect();
        let mut sum = 0;
        for h in hs {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(v, 999 * 1000);
});

both_flavors!(join_handle_reports_finished_and_id, |rt| {
    rt.block_on(async {
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        let h = runtime::spawn(async move { rx.await.unwrap() });
        let other = runtime::spawn(async {});
        assert_ne!(h.id(), other.id());
        assert!(!h.is_finished());
        tx.send(()).unwrap();
        let id = h.id();
        let abort = h.abort_handle();
        assert_eq!(abort.id(), id);
        h.await.unwrap();
        assert!(abort.is_finished());
    });
});

both_flavors!(spawned_task_runs_without_being_awaited, |rt| {
    let (tx, rx) = std::sync::mpsc::channel();
    rt.block_on(async move {
        drop(runtime::spawn(async move { tx.send(7).unwrap() }));
        let (done_tx, done_rx) = futures::channel::oneshot::channel::<()>();
        // Let the detached task run; the current-thread flavor only runs
        // tasks while block_on waits.
        runtime::spawn(async move { done_tx.send(()).unwrap() });
        done_rx.await.unwrap();
    });
    assert_eq!(
        rx.recv_timeout(std::time::Duration::from_secs(30)).unwrap(),
        7
    );
});

both_flavors!(detached_task_keeps_running, |rt| {
    rt.block_on(async {
        let (tx, rx) = futures::channel::oneshot::channel::<u32>();
        let (go_tx, go_rx) = futures::channel::oneshot::channel::<()>();
        let h = runtime::spawn(async move {
            go_rx.await.unwrap();
            tx.send(5).unwrap();
        });
        drop(h); // detach
        go_tx.send(()).unwrap();
        assert_eq!(rx.await.unwrap(), 5);
    });
});

both_flavors!(task_builder_names_tasks, |rt| {
    rt.block_on(async {
        let h = runtime::task::Builder::new()
            .name("fetch-1")
            .spawn(async { "ok" })
            .unwrap();
        assert_eq!(h.await.unwrap(), "ok");
    });
});

#[test]
fn handle_spawns_from_another_thread() {
    let rt = runtime::Runtime::new().unwrap();
    let handle = rt.handle().clone();
    let out = std::thread::spawn(move || {
        let h = handle.spawn(async { 11 });
        futures::executor::block_on(h).unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(out, 11);
}

// ---------------------------------------------------------------- abort

#[test]
fn abort_before_first_poll_never_polls_current_thread() {
    let rt = rt::current();
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
    let rt = rt::multi(1);
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
    let rt = rt::multi(2);
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

// ---------------------------------------------------------------- tasks awaiting each other

// Tasks that await each other's `JoinHandle` must not keep each other (and
// the runtime's shared state) alive forever: the join waker is dropped when
// the handle is dropped or the task completes (tokio #4724, #6505, #6986).
//
// The runtime's shared state owns the `on_thread_stop` hook (workers and the
// blocking pool keep it), so each test counts the drops of a value the hook
// captures: if a task cell leaks, it holds the shared state, and the hook is
// never dropped.

type Build = fn() -> runtime::Builder;

const FLAVORS: [(&str, Build); 2] = [
    ("current_thread", runtime::Builder::new_current_thread),
    ("multi_thread", || {
        let mut b = runtime::Builder::new_multi_thread();
        b.worker_threads(2);
        b
    }),
];

/// Runs `body` on a runtime of each flavor, drops the runtime, and checks
/// that its shared state was freed.
fn shared_state_is_freed(body: impl Fn(&runtime::Runtime)) {
    for (flavor, builder) in FLAVORS {
        let owned = DropCounter::default();
        let tracked = owned.track();
        let rt = builder()
            .on_thread_stop(move || {
                let _ = &tracked;
            })
            .build()
            .unwrap();
        body(&rt);
        drop(rt);
        // Worker and pool threads release their share as they exit, just
        // after the runtime's drop has waited for them.
        wait_until(|| owned.get() == 1);
        assert_eq!(owned.get(), 1, "{flavor}");
    }
}

/// A and B each await the other's handle; neither can ever finish. Dropping
/// the runtime cancels both, which must free both cells.
#[test]
fn two_tasks_awaiting_each_other() {
    shared_state_is_freed(|rt| {
        rt.block_on(async {
            let (tx, rx) = futures::channel::oneshot::channel::<JoinHandle<()>>();
            let a = runtime::spawn(async move {
                let b = rx.await.unwrap();
                let _ = b.await;
            });
            let b = runtime::spawn(async move {
                let _ = a.await;
            });
            tx.send(b).unwrap();
            // Let both park on each other's handle.
            for _ in 0..10 {
                runtime::task::yield_now().await;
            }
        });
    });
}

/// A task polls its own handle once (storing its own waker in its own cell)
/// and drops it, then finishes.
#[test]
fn a_task_that_polls_its_own_handle_and_drops_it() {
    shared_state_is_freed(|rt| {
        rt.block_on(async {
            let (tx, rx) = futures::channel::oneshot::channel::<JoinHandle<()>>();
            let (done_tx, done_rx) = futures::channel::oneshot::channel::<()>();
            let _detached = runtime::spawn(async move {
                let mut me = rx.await.unwrap();
                assert!(futures::poll!(&mut me).is_pending());
                drop(me);
                done_tx.send(()).unwrap();
            });
            tx.send(_detached).unwrap();
            done_rx.await.unwrap();
        });
    });
}

/// Two tasks await each other under a timeout that gives up: both finish
/// (with `Elapsed`), dropping the handles they held.
#[test]
fn two_tasks_awaiting_each_other_under_a_timeout() {
    shared_state_is_freed(|rt| {
        rt.block_on(async {
            let (tx, rx) = futures::channel::oneshot::channel::<JoinHandle<()>>();
            let a = runtime::spawn(async move {
                let b = rx.await.unwrap();
                let _ = runtime::time::timeout(Duration::from_millis(20), b).await;
            });
            let a_abort = a.abort_handle();
            let b = runtime::spawn(async move {
                let _ = runtime::time::timeout(Duration::from_millis(20), a).await;
            });
            let b_abort = b.abort_handle();
            tx.send(b).unwrap();
            let (a_done, b_done) = (a_abort, b_abort);
            common::eventually(|| a_done.is_finished() && b_done.is_finished()).await;
        });
    });
}
