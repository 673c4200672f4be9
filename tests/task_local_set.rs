//! `LocalSet` and `spawn_local`: `!Send` tasks run on the thread that owns
//! their set, and nowhere else.

mod common;

use common::{panic_message, rt, DropCounter};
use runtime::task::{self, JoinSet, LocalSet};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::thread::{self, ThreadId};

/// A `!Send` value that records the threads it is used and dropped on.
struct Pinned {
    home: ThreadId,
    dropped: DropCounter,
    _not_send: Rc<()>,
}

impl Pinned {
    fn new(dropped: &DropCounter) -> Pinned {
        Pinned {
            home: thread::current().id(),
            dropped: dropped.clone(),
            _not_send: Rc::new(()),
        }
    }
    fn check(&self) {
        assert_eq!(thread::current().id(), self.home, "used on another thread");
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        assert_eq!(
            thread::current().id(),
            self.home,
            "dropped on another thread"
        );
        drop(self.dropped.track());
    }
}

#[test]
fn spawn_local_works_on_the_current_thread_block_on_thread_without_a_set() {
    let rt = rt::current();
    let me = thread::current().id();
    let out = rt.block_on(async {
        let rc = Rc::new(Cell::new(1));
        let r = rc.clone();
        let h = task::spawn_local(async move {
            task::yield_now().await;
            r.set(r.get() + 1);
            (thread::current().id(), Rc::new("!Send output"))
        });
        let (ran_on, out) = h.await.unwrap();
        assert_eq!(ran_on, me);
        (rc.get(), *out)
    });
    assert_eq!(out, (2, "!Send output"));
}

#[test]
fn spawn_local_works_in_tasks_the_current_thread_block_on_thread_polls() {
    // The task's `spawn_local` makes `block_on`'s implicit set, after the
    // `block_on` future last registered a waker anywhere: the set must wake
    // it all the same (a lost wake-up would hang here).
    common::within(60, || {
        let rt = rt::current();
        let n = rt.block_on(async {
            runtime::spawn(async {
                let h = task::spawn_local(async {
                    let rc = Rc::new(5); // !Send, held across an await
                    task::yield_now().await;
                    *rc
                });
                h.await.unwrap()
            })
            .await
            .unwrap()
        });
        assert_eq!(n, 5);
    });
}

both_flavors!(local_tasks_run_on_the_thread_that_owns_the_set, |rt| {
    let dropped = DropCounter::default();
    let local = LocalSet::new();
    let d = dropped.clone();
    let polls = local.block_on(&rt, async move {
        let mut handles = Vec::new();
        for _ in 0..10 {
            let p = Pinned::new(&d);
            handles.push(task::spawn_local(async move {
                for _ in 0..3 {
                    p.check();
                    // Woken through the runtime: a timer and a worker task.
                    runtime::time::sleep(std::time::Duration::from_millis(1)).await;
                    runtime::spawn(async {}).await.unwrap();
                }
                p.check();
                3
            }));
        }
        let mut polls = 0;
        for h in handles {
            polls += h.await.unwrap();
        }
        polls
    });
    assert_eq!(polls, 30);
    assert_eq!(dropped.get(), 10, "each value dropped once, on its thread");
});

both_flavors!(
    awaiting_a_local_set_runs_it_until_all_its_tasks_finish,
    |rt| {
        let local = LocalSet::new();
        let log = Rc::new(RefCell::new(Vec::new()));
        for i in 0..3 {
            let log = log.clone();
            local.spawn_local(async move {
                for _ in 0..i {
                    task::yield_now().await;
                }
                log.borrow_mut().push(i);
                // Spawned while the set runs: awaited by the set too.
                let log = log.clone();
                task::spawn_local(async move { log.borrow_mut().push(10 + i) });
            });
        }
        rt.block_on(local);
        let mut got = log.borrow().clone();
        got.sort();
        assert_eq!(got, [0, 1, 2, 10, 11, 12]);
    }
);

both_flavors!(
    run_until_returns_when_its_future_does_and_keeps_the_rest,
    |rt| {
        let local = LocalSet::new();
        let (tx, rx) = runtime::sync::oneshot::channel::<()>();
        let waiting = local.spawn_local(async move { rx.await.is_ok() });
        let v = local.block_on(&rt, async { task::spawn_local(async { 4 }).await.unwrap() });
        assert_eq!(v, 4);
        assert!(!waiting.is_finished(), "still in the set");
        tx.send(()).unwrap();
        assert!(local.block_on(&rt, waiting).unwrap(), "ran on a later run");
    }
);

both_flavors!(dropping_a_local_set_cancels_its_tasks_on_its_thread, |rt| {
    let dropped = DropCounter::default();
    let local = LocalSet::new();
    let mut handles = Vec::new();
    for _ in 0..3 {
        let p = Pinned::new(&dropped);
        handles.push(local.spawn_local(async move {
            std::future::pending::<()>().await;
            drop(p);
        }));
    }
    // They run once and wait.
    local.block_on(&rt, task::yield_now());
    drop(local);
    assert_eq!(dropped.get(), 3);
    for h in handles {
        assert!(rt.block_on(h).unwrap_err().is_cancelled());
    }
});

both_flavors!(
    a_local_task_woken_from_another_thread_runs_on_its_owner,
    |rt| {
        let me = thread::current().id();
        let local = LocalSet::new();
        let (tx, rx) = std::sync::mpsc::channel::<runtime::sync::oneshot::Sender<u32>>();
        let waker = thread::spawn(move || {
            let reply = rx.recv().unwrap();
            reply.send(9).unwrap();
        });
        let out = local.block_on(&rt, async move {
            let (reply, answer) = runtime::sync::oneshot::channel();
            let h = task::spawn_local(async move {
                let v = answer.await.unwrap();
                (v, thread::current().id())
            });
            tx.send(reply).unwrap();
            h.await.unwrap()
        });
        waker.join().unwrap();
        assert_eq!(out, (9, me));
    }
);

both_flavors!(
    aborting_a_local_task_from_another_thread_drops_it_on_its_owner,
    |rt| {
        let dropped = DropCounter::default();
        let local = LocalSet::new();
        let p = Pinned::new(&dropped);
        let h = local.spawn_local(async move {
            std::future::pending::<()>().await;
            drop(p);
        });
        let abort = h.abort_handle();
        local.block_on(&rt, async move {
            task::yield_now().await; // the task has run and is pending
            runtime::spawn_blocking(move || abort.abort())
                .await
                .unwrap();
            assert!(h.await.unwrap_err().is_cancelled());
        });
        assert_eq!(dropped.get(), 1);
    }
);

both_flavors!(join_set_spawn_local_joins_not_send_outputs, |rt| {
    LocalSet::new().block_on(&rt, async {
        let mut set = JoinSet::new();
        for i in 0..4u32 {
            set.spawn_local(async move { Rc::new(i) });
        }
        let pending = set.spawn_local(std::future::pending());
        pending.abort();
        let (mut sum, mut cancelled) = (0, 0);
        while let Some(res) = set.join_next().await {
            match res {
                Ok(rc) => sum += *rc,
                Err(e) => {
                    assert!(e.is_cancelled());
                    cancelled += 1;
                }
            }
        }
        assert_eq!((sum, cancelled), (6, 1));
    });
});

#[test]
fn spawn_local_where_no_set_runs_panics_saying_where_it_works() {
    let rt = rt::multi(1);
    for place in ["multi-thread block_on", "worker", "outside a runtime"] {
        let msg = match place {
            "multi-thread block_on" => {
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    rt.block_on(async { drop(task::spawn_local(async {})) })
                }));
                panic_message(&*r.unwrap_err())
            }
            "worker" => {
                let e = rt
                    .block_on(rt.spawn(async { drop(task::spawn_local(async {})) }))
                    .unwrap_err();
                panic_message(&*e.into_panic())
            }
            _ => {
                let r = std::panic::catch_unwind(|| drop(task::spawn_local(async {})));
                panic_message(&*r.unwrap_err())
            }
        };
        assert!(
            msg.contains("`spawn_local` called where no `LocalSet` runs")
                && msg.contains("LocalSet::run_until")
                && msg.contains("current-thread"),
            "{place}: {msg}"
        );
    }
}

/// Two threads `block_on` one current-thread runtime: the first drives, the
/// second takes over when the first returns. Each thread's local tasks stay
/// with it — the first one's are cancelled (on its thread) when its
/// `block_on` returns; the second one's keep running there.
#[test]
fn local_tasks_stay_with_their_thread_when_another_takes_over_driving() {
    common::within(60, || {
        let rt = std::sync::Arc::new(rt::current());
        let first_dropped = DropCounter::default();
        let (second_started_tx, second_started) = std::sync::mpsc::channel();
        let (go_tx, go) = runtime::sync::oneshot::channel::<()>();
        let rt2 = rt.clone();
        let second = thread::spawn(move || {
            let me = thread::current().id();
            rt2.block_on(async move {
                let h = task::spawn_local(async move {
                    go.await.unwrap();
                    // Woken after the first thread left: runs here.
                    runtime::spawn(async {}).await.unwrap();
                    thread::current().id()
                });
                second_started_tx.send(()).unwrap();
                assert_eq!(h.await.unwrap(), me);
            });
        });
        let d = first_dropped.clone();
        rt.block_on(async move {
            let p = Pinned::new(&d);
            task::spawn_local(async move {
                std::future::pending::<()>().await;
                drop(p);
            });
            task::yield_now().await;
            // The second thread is inside `block_on`, waiting for the core.
            while second_started.try_recv().is_err() {
                runtime::time::sleep(std::time::Duration::from_millis(1)).await;
            }
        });
        assert_eq!(
            first_dropped.get(),
            1,
            "cancelled when its block_on returned"
        );
        go_tx.send(()).unwrap();
        second.join().unwrap();
    });
}
