//! Tasks that await each other's `JoinHandle` must not keep each other (and
//! the runtime's shared state) alive forever: the join waker is dropped when
//! the handle is dropped or the task completes (tokio #4724, #6505, #6986).
//!
//! The runtime's shared state owns the `on_thread_stop` hook (workers and the
//! blocking pool keep it), so each test counts the drops of a value the hook
//! captures: if a task cell leaks, it holds the shared state, and the hook is
//! never dropped.

mod common;
use common::{wait_until, DropCounter};
use runtime::task::JoinHandle;
use std::time::Duration;

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
