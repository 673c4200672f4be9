//! Panics at every stage a user's code runs (a future's `poll`, its `Drop`,
//! a waker's `wake`, a blocking closure, `on_thread_start`): each is
//! contained, or reported through the `JoinError` and the metrics as
//! documented, nothing hangs, and the runtime keeps serving afterwards.
//! (Settings a builder refuses are in `rt_builder.rs`, spawns after shutdown
//! in `rt_shutdown.rs`, nested `block_on` in `rt_handle.rs`.)

mod common;

use common::{assert_serving, panic_message, rt, wait_until, within, DropCounter, Tracked};
use futures::channel::oneshot;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// Both flavors, built with `configure` applied first.
fn flavors(configure: impl Fn(&mut runtime::Builder)) -> Vec<(&'static str, runtime::Runtime)> {
    let mut ct = runtime::Builder::new_current_thread();
    configure(&mut ct);
    let mut mt = runtime::Builder::new_multi_thread();
    mt.worker_threads(2);
    configure(&mut mt);
    vec![
        ("current_thread", ct.build().unwrap()),
        ("multi_thread", mt.build().unwrap()),
    ]
}

/// A future that panics when dropped; pending forever or ready at once.
struct PanicOnDrop {
    ready: bool,
    _tracked: Option<Tracked>,
}

impl Future for PanicOnDrop {
    type Output = u32;
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<u32> {
        if self.ready {
            Poll::Ready(7)
        } else {
            Poll::Pending
        }
    }
}

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("boom in drop");
        }
    }
}

// ---------------------------------------------------------------- the JoinError

both_flavors!(panic_is_returned_through_the_join_handle, |rt| {
    rt.block_on(async {
        let h = runtime::spawn(async {
            panic!("boom");
        });
        let err = h.await.unwrap_err();
        assert!(err.is_panic());
        assert!(!err.is_cancelled());
        assert!(err.to_string().contains("boom"), "{err}");
        let payload = err.into_panic();
        assert_eq!(*payload.downcast::<&str>().unwrap(), "boom");
    });
});

#[test]
fn worker_survives_a_panicking_task() {
    // One worker: if the panic killed it, nothing would run afterwards.
    let rt = rt::multi(1);
    rt.block_on(async {
        for i in 0..10 {
            let bad = runtime::spawn(async move { panic!("task {i} failed") });
            assert!(bad.await.unwrap_err().is_panic());
            let good = runtime::spawn(async move { i });
            assert_eq!(good.await.unwrap(), i);
        }
    });
}

both_flavors!(panic_in_drop_after_abort_is_contained, |rt| {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("drop failed");
        }
    }
    rt.block_on(async {
        let p = PanicOnDrop;
        let h = runtime::spawn(async move {
            let _p = p;
            std::future::pending::<()>().await
        });
        runtime::task::yield_now().await;
        h.abort();
        let err = h.await.unwrap_err();
        assert!(
            err.is_panic(),
            "a destructor panic is reported as the task's panic"
        );
        assert_eq!(runtime::spawn(async { 1 }).await.unwrap(), 1);
    });
});

both_flavors!(detached_panicking_task_does_not_disturb_others, |rt| {
    rt.block_on(async {
        drop(runtime::spawn(async { panic!("nobody is listening") }));
        for _ in 0..10 {
            runtime::task::yield_now().await;
        }
        assert_eq!(runtime::spawn(async { 2 }).await.unwrap(), 2);
    });
});

both_flavors!(join_error_says_which_task_panicked_and_its_message, |rt| {
    rt.block_on(async {
        // A payload that is not a string: the id, and no invented message.
        let h = runtime::spawn(async { std::panic::panic_any(42_u32) });
        let id = h.id();
        let err = h.await.unwrap_err();
        assert_eq!(err.to_string(), format!("task {id} panicked"));
        assert_eq!(format!("{err:?}"), format!("JoinError::Panic({id:?}, ...)"));

        // A string payload: its message too.
        let h = runtime::spawn(async { panic!("boom") });
        let id = h.id();
        let err = h.await.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("task {id} panicked with message \"boom\"")
        );
        assert_eq!(
            format!("{err:?}"),
            format!("JoinError::Panic({id:?}, \"boom\", ...)")
        );

        // A blocking job reports the same way.
        let h = runtime::spawn_blocking(|| std::panic::panic_any(42_u32));
        let id = h.id();
        let err = h.await.unwrap_err();
        assert_eq!(err.to_string(), format!("task {id} panicked"));
    });
});

// ---------------------------------------------------------------- poll

both_flavors!(
    panic_in_poll_is_a_join_error_and_the_runtime_keeps_serving,
    |rt| {
        within(30, move || {
            let err = rt
                .block_on(async {
                    runtime::spawn(async {
                        runtime::task::yield_now().await;
                        panic!("boom in poll");
                    })
                    .await
                })
                .unwrap_err();
            assert!(err.is_panic(), "{err}");
            assert!(!err.is_cancelled());
            assert_eq!(panic_message(&*err.into_panic()), "boom in poll");
            assert_serving(&rt);
            // Many panicking tasks at once: every one is contained.
            let errs = rt.block_on(async {
                let hs: Vec<_> = (0..200)
                    .map(|i| {
                        runtime::spawn(async move {
                            if i % 2 == 0 {
                                runtime::task::yield_now().await;
                            }
                            panic!("boom {i}");
                        })
                    })
                    .collect();
                let mut n = 0;
                for h in hs {
                    n += usize::from(h.await.unwrap_err().is_panic());
                }
                n
            });
            assert_eq!(errs, 200);
            assert_serving(&rt);
        });
    }
);

both_flavors!(panic_in_a_detached_task_is_counted_not_lost, |rt| {
    within(30, move || {
        let before = rt.handle().metrics().unretrieved_panic_count();
        // The handle is dropped before the task can finish (it waits for
        // `go`); see the test below for the other order.
        let (go, wait) = oneshot::channel::<()>();
        rt.block_on(async {
            drop(runtime::spawn(async {
                let _ = wait.await;
                panic!("nobody is listening")
            }));
            go.send(()).unwrap();
            runtime::task::yield_now().await;
        });
        let handle = rt.handle().clone();
        // On the current-thread flavor the task only runs inside block_on.
        rt.block_on(common::eventually(|| {
            handle.metrics().unretrieved_panic_count() == before + 1
        }));
        assert_serving(&rt);
    });
});

/// A task panics, finishes, and only then is its `JoinHandle` dropped
/// unread: the panic must still be reported and counted, as it is when the
/// handle is dropped before the task finishes.
fn panic_unread_after_finish_is_counted(rt: runtime::Runtime) {
    within(30, move || {
        let before = rt.handle().metrics().unretrieved_panic_count();
        let h = rt.spawn(async { panic!("finished, never retrieved") });
        // The current-thread flavor only runs the task inside block_on.
        rt.block_on(common::eventually(|| h.is_finished()));
        drop(h);
        let handle = rt.handle().clone();
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        rt.block_on(async {
            while handle.metrics().unretrieved_panic_count() != before + 1 {
                assert!(
                    std::time::Instant::now() < deadline,
                    "panic in a finished task whose JoinHandle was dropped unread was not counted"
                );
                runtime::task::yield_now().await;
            }
        });
    });
}

mod panic_in_a_task_whose_handle_is_dropped_after_it_finished_is_counted {
    use super::*;

    #[test]
    fn current_thread() {
        panic_unread_after_finish_is_counted(rt::current());
    }

    #[test]
    fn multi_thread() {
        panic_unread_after_finish_is_counted(rt::multi(2));
    }
}

// ---------------------------------------------------------------- Drop

both_flavors!(panic_in_drop_on_abort_is_contained, |rt| {
    within(30, move || {
        let err = rt.block_on(async {
            let h = runtime::spawn(PanicOnDrop {
                ready: false,
                _tracked: None,
            });
            runtime::task::yield_now().await;
            h.abort();
            h.await.unwrap_err()
        });
        // The abort is reported; the destructor's panic travels with it.
        assert!(err.is_panic() || err.is_cancelled(), "{err}");
        if err.is_panic() {
            assert_eq!(panic_message(&*err.into_panic()), "boom in drop");
        }
        assert_serving(&rt);
    });
});

both_flavors!(
    panic_in_drop_after_completion_is_reported_as_a_panic,
    |rt| {
        within(30, move || {
            let res = rt.block_on(async {
                runtime::spawn(PanicOnDrop {
                    ready: true,
                    _tracked: None,
                })
                .await
            });
            let err = res.unwrap_err();
            assert!(err.is_panic(), "{err}");
            assert_serving(&rt);
        });
    }
);

both_flavors!(
    panic_in_drop_of_a_detached_aborted_task_is_contained,
    |rt| {
        within(30, move || {
            rt.block_on(async {
                let h = runtime::spawn(PanicOnDrop {
                    ready: false,
                    _tracked: None,
                });
                runtime::task::yield_now().await;
                let a = h.abort_handle();
                drop(h);
                a.abort();
                common::eventually(|| a.is_finished()).await;
            });
            assert_serving(&rt);
        });
    }
);

both_flavors!(panic_in_drop_on_runtime_shutdown_is_contained, |rt| {
    let drops = DropCounter::default();
    let d = drops.clone();
    within(30, move || {
        let mut handles = Vec::new();
        for i in 0..20 {
            let fut = PanicOnDrop {
                ready: false,
                _tracked: Some(d.track()),
            };
            if i % 2 == 0 {
                handles.push(rt.spawn(fut));
            } else {
                drop(rt.spawn(fut));
            }
            // Quiet neighbours: their futures must still be dropped.
            let t = d.track();
            drop(rt.spawn(async move {
                let _t = t;
                std::future::pending::<()>().await;
            }));
        }
        // Let them be polled at least once.
        rt.block_on(async {
            for _ in 0..10 {
                runtime::task::yield_now().await;
            }
        });
        let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(rt)));
        assert!(
            dropped.is_ok(),
            "a destructor's panic escaped Runtime::drop"
        );
        futures::executor::block_on(async {
            for h in handles {
                assert!(h.await.is_err());
            }
        });
    });
    assert_eq!(drops.get(), 40, "every future is dropped exactly once");
});

// ---------------------------------------------------------------- wake

/// A waker whose `wake` panics.
struct PanickingWaker(AtomicUsize);

impl Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
        panic!("boom in wake");
    }
}

/// Polls `h` once by hand with a waker whose `wake` panics, then lets the
/// task complete on the runtime (which wakes that waker), and checks the
/// runtime still serves and `h` still yields the output.
fn join_waker_panic_is_survived(rt: runtime::Runtime) {
    let (tx, rx) = oneshot::channel::<u32>();
    let mut h = rt.spawn(async move { rx.await.unwrap() });
    let pw = Arc::new(PanickingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(pw.clone());
    let mut cx = Context::from_waker(&waker);
    assert!(Pin::new(&mut h).poll(&mut cx).is_pending());
    tx.send(5).unwrap();
    // The current-thread flavor only runs the task inside block_on.
    rt.block_on(common::eventually(|| h.is_finished()));
    wait_until(|| pw.0.load(SeqCst) == 1);
    assert_serving(&rt);
    // Many more, to be sure the worker was not lost to the first panic.
    for _ in 0..50 {
        assert_serving(&rt);
    }
    let noop = Waker::noop();
    let mut cx = Context::from_waker(noop);
    match Pin::new(&mut h).poll(&mut cx) {
        Poll::Ready(Ok(5)) => {}
        other => panic!("expected Ready(Ok(5)), got {other:?}"),
    }
}

#[test]
fn panic_in_join_waker_wake_does_not_kill_the_only_worker() {
    let rt = rt::multi(1);
    within(30, move || join_waker_panic_is_survived(rt));
}

#[test]
fn panic_in_join_waker_wake_does_not_break_current_thread_block_on() {
    let rt = rt::current();
    within(30, move || join_waker_panic_is_survived(rt));
}

// A task that itself calls a panicking waker (say, a foreign channel's)
// panics like any other poll: a JoinError, and the only worker lives on.
#[test]
fn panic_in_a_foreign_waker_woken_from_a_task_is_contained_as_a_task_panic() {
    let rt = rt::multi(1);
    within(30, move || {
        let pw = Arc::new(PanickingWaker(AtomicUsize::new(0)));
        let waker = Waker::from(pw.clone());
        let err = rt
            .block_on(async move { runtime::spawn(async move { waker.wake_by_ref() }).await })
            .unwrap_err();
        assert!(err.is_panic());
        assert_eq!(pw.0.load(SeqCst), 1);
        assert_serving(&rt);
    });
}

// ---------------------------------------------------------------- blocking

#[test]
fn panic_in_a_blocking_closure_is_a_join_error_and_the_pool_keeps_serving() {
    for (flavor, rt) in flavors(|b| {
        b.max_blocking_threads(1);
    }) {
        within(30, move || {
            let err = rt
                .block_on(rt.spawn_blocking(|| -> u32 { panic!("boom in blocking") }))
                .unwrap_err();
            assert!(err.is_panic(), "{flavor}: {err}");
            assert_eq!(panic_message(&*err.into_panic()), "boom in blocking");
            // The single blocking thread (or its replacement) still serves,
            // several times over, interleaved with more panics.
            rt.block_on(async {
                for i in 0..20u32 {
                    let r = runtime::spawn_blocking(move || {
                        if i % 2 == 0 {
                            panic!("again");
                        }
                        i
                    })
                    .await;
                    match r {
                        Ok(v) => assert_eq!(v, i),
                        Err(e) => assert!(i % 2 == 0 && e.is_panic(), "{flavor}: {e}"),
                    }
                }
            });
            assert_serving(&rt);
            assert!(rt.handle().metrics().num_blocking_threads() <= 1);
        });
    }
}

// ---------------------------------------------------------------- on_thread_start

#[test]
fn panic_in_on_thread_start_still_serves_tasks() {
    let starts = Arc::new(AtomicUsize::new(0));
    let s = starts.clone();
    for (flavor, rt) in flavors(move |b| {
        let s = s.clone();
        b.on_thread_start(move || {
            s.fetch_add(1, SeqCst);
            panic!("boom in on_thread_start");
        });
    }) {
        within(30, move || {
            for _ in 0..10 {
                assert_serving(&rt);
            }
            let n = rt.block_on(async {
                let hs: Vec<_> = (0..100u32)
                    .map(|i| runtime::spawn(async move { i }))
                    .collect();
                let mut sum = 0;
                for h in hs {
                    sum += h.await.unwrap();
                }
                sum
            });
            assert_eq!(n, (0..100).sum::<u32>(), "{flavor}");
        });
    }
    assert!(starts.load(SeqCst) >= 1, "on_thread_start never ran");
}

#[test]
fn panic_in_on_thread_start_of_a_one_worker_runtime_still_serves_tasks() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .on_thread_start(|| panic!("boom in on_thread_start"))
        .build()
        .unwrap();
    within(30, move || {
        // Spawned from outside: only the worker can run it.
        let h = rt.spawn(async { 1 + 1 });
        assert_eq!(futures::executor::block_on(h).unwrap(), 2);
        assert_serving(&rt);
    });
}
