//! The Miri smoke suite, current-thread flavor: the task cell's paths under
//! Stacked Borrows (`../shared/tools/miri --test miri_smoke`, in `.ci/run`).
//! Also a plain test binary in `cargo test`, where it is just fast.
//!
//! Each test is one path through the cell and its references: join, detach,
//! abort, panic, a wake from a foreign thread, a waker that outlives its
//! runtime, a task aborting itself, tasks awaiting each other, local tasks
//! in `block_on`'s implicit set (made at its first `spawn_local`).

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

fn rt() -> runtime::Runtime {
    // No slow-poll watchdog: one thread fewer for Miri to interleave.
    runtime::Builder::new_current_thread()
        .slow_poll_threshold(None)
        .build()
        .unwrap()
}

#[test]
fn join() {
    let rt = rt();
    let out = rt.block_on(async { runtime::spawn(async { 6 * 7 }).await.unwrap() });
    assert_eq!(out, 42);
}

#[test]
fn detach() {
    let rt = rt();
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    rt.block_on(async move {
        drop(runtime::spawn(async move {
            r.fetch_add(1, SeqCst);
        }));
        runtime::task::yield_now().await;
        runtime::task::yield_now().await;
    });
    assert_eq!(ran.load(SeqCst), 1);
}

#[test]
fn detach_then_drop_runtime() {
    let rt = rt();
    rt.block_on(async {
        drop(runtime::spawn(std::future::pending::<()>()));
    });
    drop(rt);
}

#[test]
fn abort() {
    let rt = rt();
    rt.block_on(async {
        let h = runtime::spawn(std::future::pending::<()>());
        runtime::task::yield_now().await;
        h.abort();
        assert!(h.await.unwrap_err().is_cancelled());
        let h = runtime::spawn(async { 1 });
        h.abort();
        assert!(h.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn panic_is_returned_and_detached_panic_is_dropped() {
    let rt = rt();
    rt.block_on(async {
        let err = runtime::spawn(async { panic!("boom") }).await.unwrap_err();
        assert!(err.is_panic());
        drop(runtime::spawn(async { panic!("nobody listens") }));
        runtime::task::yield_now().await;
        runtime::task::yield_now().await;
    });
}

/// Pending until its waker has been taken by another thread and woken.
struct HandOff {
    slot: Arc<Mutex<Option<Waker>>>,
    woken: bool,
}

impl Future for HandOff {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.woken {
            return Poll::Ready(());
        }
        self.woken = true;
        *self.slot.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[test]
fn wake_from_a_foreign_thread() {
    let rt = rt();
    let slot = Arc::new(Mutex::new(None::<Waker>));
    let s = slot.clone();
    let waker_thread = std::thread::spawn(move || loop {
        if let Some(w) = s.lock().unwrap().take() {
            w.wake();
            return;
        }
        std::thread::yield_now();
    });
    rt.block_on(async move {
        runtime::spawn(HandOff { slot, woken: false })
            .await
            .unwrap();
    });
    waker_thread.join().unwrap();
}

#[test]
fn waker_outlives_its_runtime() {
    let slot = Arc::new(Mutex::new(None::<Waker>));
    {
        let rt = rt();
        let s = slot.clone();
        rt.block_on(async move {
            drop(runtime::spawn(HandOff {
                slot: s,
                woken: false,
            }));
            runtime::task::yield_now().await;
        });
    }
    let waker = slot.lock().unwrap().take().expect("the task was polled");
    waker.wake_by_ref();
    let clone = waker.clone();
    drop(waker);
    clone.wake();
}

#[test]
fn task_aborts_itself() {
    let rt = rt();
    rt.block_on(async {
        let me = Arc::new(Mutex::new(None::<runtime::task::AbortHandle>));
        let m = me.clone();
        let h = runtime::spawn(async move {
            runtime::task::yield_now().await;
            m.lock().unwrap().take().unwrap().abort();
            runtime::task::yield_now().await;
            unreachable!("aborted at its last await");
        });
        *me.lock().unwrap() = Some(h.abort_handle());
        assert!(h.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn tasks_awaiting_each_other_are_freed_at_shutdown() {
    let rt = rt();
    rt.block_on(async {
        let (tx, rx) = futures::channel::oneshot::channel::<runtime::task::JoinHandle<()>>();
        let a = runtime::spawn(async move {
            let b = rx.await.unwrap();
            let _ = b.await;
        });
        let b = runtime::spawn(async move {
            let _ = a.await;
        });
        tx.send(b).unwrap();
        runtime::task::yield_now().await;
        runtime::task::yield_now().await;
    });
    drop(rt);
}

#[test]
fn join_handle_polled_then_dropped_by_its_own_task() {
    let rt = rt();
    rt.block_on(async {
        let (tx, rx) = futures::channel::oneshot::channel::<runtime::task::JoinHandle<()>>();
        let h = runtime::spawn(async move {
            let mut me = rx.await.unwrap();
            // Poll our own handle once (it stores our waker), then drop it.
            let _ = futures::poll!(&mut me);
            drop(me);
        });
        tx.send(h).unwrap();
        runtime::task::yield_now().await;
        runtime::task::yield_now().await;
    });
}

/// `block_on`'s implicit `LocalSet`: made by a runtime task's `spawn_local`
/// (woken through the waker saved at the future's first pending poll), a
/// `!Send` future run to completion, and a local task left pending,
/// cancelled when `block_on` returns.
#[test]
fn local_tasks_in_the_implicit_set() {
    use std::rc::Rc;
    let rt = rt();
    let dropped = common::DropCounter::default();
    let guard = dropped.track();
    let n = rt.block_on(async move {
        runtime::task::yield_now().await;
        let from_task = runtime::spawn(async {
            let h = runtime::task::spawn_local(async {
                let rc = Rc::new(3); // !Send, held across an await
                runtime::task::yield_now().await;
                *rc
            });
            h.await.unwrap()
        });
        // The runtime task's `spawn_local` comes first: it makes the set.
        let n = from_task.await.unwrap();
        runtime::task::spawn_local(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        runtime::task::yield_now().await;
        n
    });
    assert_eq!(n, 3);
    assert_eq!(dropped.get(), 1, "the pending local task was cancelled");
}
