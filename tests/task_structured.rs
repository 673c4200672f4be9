//! Tasks that are cancelled together: `JoinHandle::abort_on_drop` and
//! `task::TaskGroup` (asyncio 3.11's TaskGroup), whose cancellation reaches
//! what a task awaits, so that a timeout around a gather leaves no task
//! behind; and `task::JoinSet` (completion order, abort, abort-on-drop).
mod common;
use common::*;
use runtime::task::{self, JoinSet, TaskGroup, TaskState};
use runtime::time;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

/// The current runtime has `n` tasks, each polled once and now idle: no
/// thread is polling them, and nothing will wake them.
fn idle_after_one_poll(n: usize) -> bool {
    let tasks = task::all_tasks();
    tasks.len() == n
        && tasks
            .iter()
            .all(|t| t.polls() == 1 && t.state() == TaskState::Idle)
}

/// Two tasks that sleep 1 s, to be gathered under a 0.5 s timeout: asyncio's
/// `wait_for` cancels such a gather's tasks with it ("tasks left: 0").
async fn two_one_second_tasks(drops: &DropCounter) -> [task::JoinHandle<()>; 2] {
    [0, 1].map(|_| {
        let guard = drops.track();
        runtime::spawn(async move {
            let _guard = guard;
            time::sleep(Duration::from_secs(1)).await;
        })
    })
}

#[test]
fn a_timeout_around_a_gather_of_plain_handles_leaves_its_tasks_running() {
    // The trap these tools exist for: a dropped JoinHandle detaches.
    rt::paused().block_on(async {
        let drops = DropCounter::default();
        let children = two_one_second_tasks(&drops).await;
        let gathered = task::gather(children);
        assert!(time::timeout(Duration::from_millis(500), gathered)
            .await
            .is_err());
        assert_eq!(task::all_tasks().len(), 2);
        assert_eq!(drops.get(), 0);
    });
}

#[test]
fn a_timeout_around_a_gather_of_abort_on_drop_handles_leaves_no_task() {
    rt::paused().block_on(async {
        let drops = DropCounter::default();
        let children = two_one_second_tasks(&drops)
            .await
            .map(|h| h.abort_on_drop());
        let gathered = task::gather(children);
        assert!(time::timeout(Duration::from_millis(500), gathered)
            .await
            .is_err());
        assert_eq!(
            task::all_tasks().len(),
            0,
            "{}",
            runtime::Handle::current().dump()
        );
        assert_eq!(drops.get(), 2);
    });
}

#[test]
fn wait_for_cancelling_a_task_that_joins_a_group_leaves_no_task() {
    // The whole gather is itself a task, cancelled by `wait_for`: the
    // cancellation reaches its children through the group it drops.
    rt::paused().block_on(async {
        let drops = DropCounter::default();
        let d = drops.clone();
        let parent = runtime::spawn(async move {
            let mut group = TaskGroup::new();
            for _ in 0..2 {
                let guard = d.track();
                group.spawn(async move {
                    let _guard = guard;
                    time::sleep(Duration::from_secs(1)).await;
                });
            }
            group.join().await
        });
        let res = task::wait_for(Duration::from_millis(500), parent).await;
        assert!(res.is_err(), "timed out");
        assert_eq!(
            task::all_tasks().len(),
            0,
            "{}",
            runtime::Handle::current().dump()
        );
        assert_eq!(drops.get(), 2);
    });
}

both_flavors!(join_returns_outputs_in_spawn_order, |rt| {
    rt.block_on(async {
        let mut group = TaskGroup::new();
        // Finish in the reverse order of spawning.
        let gates: Vec<_> = (0..4).map(|_| Arc::new(AtomicBool::new(false))).collect();
        for (i, gate) in gates.iter().enumerate() {
            let gate = gate.clone();
            group.spawn(async move {
                eventually(|| gate.load(SeqCst)).await;
                i * 10
            });
        }
        assert_eq!(group.len(), 4);
        let release = runtime::spawn(async move {
            for gate in gates.iter().rev() {
                gate.store(true, SeqCst);
                task::yield_now().await;
            }
        });
        assert_eq!(group.join().await.unwrap(), [0, 10, 20, 30]);
        release.await.unwrap();
    });
});

both_flavors!(an_empty_group_joins_at_once, |rt| {
    rt.block_on(async {
        let group = TaskGroup::<u8>::new();
        assert!(group.is_empty());
        assert_eq!(group.join().await.unwrap(), Vec::<u8>::new());
    });
});

both_flavors!(
    a_panic_cancels_the_others_and_join_returns_once_they_are_gone,
    |rt| {
        rt.block_on(async {
            let drops = DropCounter::default();
            let mut group = TaskGroup::new();
            for _ in 0..3 {
                let guard = drops.track();
                group.spawn(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await;
                });
            }
            group.spawn(async {
                task::yield_now().await;
                panic!("boom");
            });
            let err = group.join().await.unwrap_err();
            assert!(err.is_panic());
            assert_eq!(drops.get(), 3, "every sibling's future was dropped first");
            assert!(task::all_tasks().is_empty());
        });
    }
);

#[test]
fn join_waits_for_a_sibling_that_is_inside_a_poll() {
    // The sibling is mid-poll on the other worker when the failure comes: it
    // cannot be stopped until that poll returns, and join waits for it.
    let rt = rt::multi(2);
    let inside = Arc::new(AtomicBool::new(false));
    let release = Arc::new(AtomicBool::new(false));
    let drops = DropCounter::default();
    let (i, r, guard) = (inside.clone(), release.clone(), drops.track());
    let (err, dropped_at_return) = rt.block_on(async move {
        let mut group = TaskGroup::new();
        group.spawn(async move {
            let _guard = guard;
            i.store(true, SeqCst);
            while !r.load(SeqCst) {
                std::thread::yield_now(); // stays inside this one poll
            }
            std::future::pending::<()>().await;
        });
        let inside = inside.clone();
        group.spawn(async move {
            eventually(|| inside.load(SeqCst)).await;
            panic!("boom");
        });
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            release.store(true, SeqCst);
        });
        let err = group.join().await.unwrap_err();
        let dropped = drops.get();
        releaser.join().unwrap();
        (err, dropped)
    });
    assert!(err.is_panic());
    assert_eq!(dropped_at_return, 1);
}

both_flavors!(
    an_aborted_member_fails_the_group_with_its_cancellation,
    |rt| {
        rt.block_on(async {
            let mut group = TaskGroup::new();
            group.spawn(async { 1 });
            let abort = group.spawn(std::future::pending());
            abort.abort();
            assert!(group.join().await.unwrap_err().is_cancelled());
        });
    }
);

both_flavors!(try_join_treats_an_err_output_as_a_failure, |rt| {
    rt.block_on(async {
        let mut group = TaskGroup::new();
        group.spawn(async { Ok::<_, std::io::Error>(1) });
        group.spawn(async { Ok(2) });
        assert_eq!(group.try_join().await.unwrap(), [1, 2]);

        let drops = DropCounter::default();
        let guard = drops.track();
        let mut group = TaskGroup::new();
        group.spawn(async move {
            let _guard = guard;
            std::future::pending::<Result<u8, std::io::Error>>().await
        });
        group.spawn(async { Err(std::io::Error::other("refused")) });
        let err = group.try_join().await.unwrap_err();
        assert_eq!(err.to_string(), "refused");
        assert_eq!(drops.get(), 1);

        let mut group = TaskGroup::<Result<u8, std::io::Error>>::new();
        group.spawn(async { panic!("boom") });
        let err = group.try_join().await.unwrap_err();
        assert!(err.to_string().contains("boom"), "{err}");
    });
});

both_flavors!(
    dropping_a_group_cancels_its_idle_tasks_before_drop_returns,
    |rt| {
        rt.block_on(async {
            let drops = DropCounter::default();
            let mut group = TaskGroup::new();
            for _ in 0..3 {
                let guard = drops.track();
                group.spawn(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await;
                });
            }
            eventually(|| idle_after_one_poll(3)).await;
            drop(group);
            assert_eq!(drops.get(), 3);
            assert!(task::all_tasks().is_empty());
        });
    }
);

both_flavors!(a_timeout_around_join_cancels_the_group, |rt| {
    rt.block_on(async {
        let drops = DropCounter::default();
        let mut group = TaskGroup::new();
        for _ in 0..2 {
            let guard = drops.track();
            group.spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            });
        }
        assert!(time::timeout(Duration::from_millis(20), group.join())
            .await
            .is_err());
        // Cancelled at the latest when their current poll ended.
        eventually(|| drops.get() == 2).await;
        eventually(|| task::all_tasks().is_empty()).await;
    });
});

both_flavors!(a_blocking_member_is_joined_in_order_too, |rt| {
    rt.block_on(async {
        let mut group = TaskGroup::new();
        group.spawn_blocking(|| 1);
        group.spawn(async { 2 });
        assert_eq!(group.join().await.unwrap(), [1, 2]);
    });
});

both_flavors!(
    abort_on_drop_awaits_like_its_handle_and_detach_gives_it_back,
    |rt| {
        rt.block_on(async {
            let h = task::Builder::new()
                .name("guarded")
                .spawn(async { 5 })
                .unwrap()
                .abort_on_drop();
            assert_eq!(h.name(), Some("guarded"));
            let id = h.id();
            assert_eq!(h.abort_handle().id(), id);
            assert_eq!(h.await.unwrap(), 5);

            // Detached, dropping the handle no longer cancels the task.
            let (tx, rx) = std::sync::mpsc::channel();
            let h = runtime::spawn(async move {
                task::yield_now().await;
                tx.send(()).unwrap();
            })
            .abort_on_drop();
            drop(h.detach());
            eventually(|| rx.try_recv().is_ok()).await;

            let h = runtime::spawn(std::future::pending::<()>()).abort_on_drop();
            h.abort();
            assert!(h.await.unwrap_err().is_cancelled());
        });
    }
);

both_flavors!(dropping_abort_on_drop_cancels_the_task, |rt| {
    rt.block_on(async {
        let drops = DropCounter::default();
        let guard = drops.track();
        let h = runtime::spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        })
        .abort_on_drop();
        eventually(|| idle_after_one_poll(1)).await;
        assert!(!h.is_finished());
        drop(h);
        assert_eq!(drops.get(), 1);
        assert!(task::all_tasks().is_empty());
    });
});

#[test]
fn a_guard_dropped_off_the_runtime_cancels_an_idle_task_at_once() {
    // Dropped on a thread that is in no runtime at all.
    let rt = rt::multi(1);
    let drops = DropCounter::default();
    let guard = drops.track();
    let h = rt
        .spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        })
        .abort_on_drop();
    wait_until(|| {
        let _enter = rt.handle().enter();
        idle_after_one_poll(1)
    });
    drop(h);
    assert_eq!(drops.get(), 1);
    wait_until(|| rt.handle().metrics().num_alive_tasks() == 0);
}

both_flavors!(
    a_dropped_groups_idle_members_are_dropped_on_the_spot_with_their_ids,
    |rt| {
        // Cancelled on the spot means the child's destructors run on the
        // dropping thread, inside the parent's poll: they see their own id.
        rt.block_on(async {
            struct OnDrop(std::sync::mpsc::Sender<Option<task::Id>>);
            impl Drop for OnDrop {
                fn drop(&mut self) {
                    let _ = self.0.send(task::try_id());
                }
            }
            let (tx, rx) = std::sync::mpsc::channel();
            let mut group = TaskGroup::new();
            let guard = OnDrop(tx);
            let child = group.spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            });
            eventually(|| idle_after_one_poll(1)).await;
            drop(group);
            assert_eq!(rx.try_recv().unwrap(), Some(child.id()));
        });
    }
);

#[test]
fn a_local_tasks_guard_dropped_on_another_thread_leaves_its_future_to_the_owner() {
    // A `spawn_local` future need not be `Send`: cancelled through a guard
    // dropped on another thread, it is still dropped on the set's thread.
    struct WhereDropped {
        _not_send: std::rc::Rc<()>,
        tx: std::sync::mpsc::Sender<std::thread::ThreadId>,
    }
    impl Drop for WhereDropped {
        fn drop(&mut self) {
            let _ = self.tx.send(std::thread::current().id());
        }
    }
    let rt = rt::current();
    let local = task::LocalSet::new();
    let (tx, rx) = std::sync::mpsc::channel();
    local.block_on(&rt, async move {
        let h = task::spawn_local(async move {
            let _guard = WhereDropped {
                _not_send: std::rc::Rc::new(()),
                tx,
            };
            std::future::pending::<()>().await;
        })
        .abort_on_drop();
        task::yield_now().await; // polled once, now idle
        std::thread::spawn(move || drop(h)).join().unwrap();
        assert!(rx.try_recv().is_err(), "not dropped on the other thread");
        eventually(|| rx.try_recv() == Ok(std::thread::current().id())).await;
    });
}

// ---------------------------------------------------------------- JoinSet

both_flavors!(join_next_returns_tasks_in_completion_order, |rt| {
    // The test decides when each task completes (one at a time), so the
    // order is the same on any number of workers: sleeps 100 ms apart
    // could fire in one batch on a loaded machine and finish in either
    // order on two workers.
    let order = rt.block_on(async {
        let mut set = JoinSet::new();
        let mut release = std::collections::HashMap::new();
        for n in [300u64, 100, 200] {
            let (tx, rx) = futures::channel::oneshot::channel::<()>();
            release.insert(n, tx);
            set.spawn(async move {
                rx.await.unwrap();
                n
            });
        }
        assert_eq!(set.len(), 3);
        let mut order = Vec::new();
        for n in [100, 200, 300] {
            release.remove(&n).unwrap().send(()).unwrap();
            order.push(set.join_next().await.unwrap().unwrap());
        }
        assert!(set.join_next().await.is_none());
        assert!(set.is_empty());
        order
    });
    assert_eq!(order, [100, 200, 300]);
});

both_flavors!(join_next_on_an_empty_set_is_none, |rt| {
    rt.block_on(async {
        let mut set = JoinSet::<()>::default();
        assert!(set.join_next().await.is_none());
    });
});

both_flavors!(join_next_returns_panics_as_errors, |rt| {
    rt.block_on(async {
        let mut set = JoinSet::new();
        set.spawn(async { panic!("in the set") });
        let err = set.join_next().await.unwrap().unwrap_err();
        assert!(err.is_panic());
    });
});

both_flavors!(dropping_a_join_set_drops_all_its_futures, |rt| {
    let drops = DropCounter::default();
    let polls = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let mut set = JoinSet::new();
        for _ in 0..10 {
            let t = drops.track();
            let f = Forever {
                polls: polls.clone(),
            };
            set.spawn(async move {
                let _t = t;
                f.await
            });
        }
        eventually(|| polls.load(SeqCst) >= 10).await;
        assert_eq!(drops.get(), 0);
        drop(set);
        eventually(|| drops.get() == 10).await;
    });
    assert_eq!(drops.get(), 10);
});

both_flavors!(dropping_a_join_set_cancels_tasks_not_yet_started, |rt| {
    let drops = DropCounter::default();
    let polls = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let mut set = JoinSet::new();
        for _ in 0..10 {
            let t = drops.track();
            let p = polls.clone();
            set.spawn(async move {
                let _t = t;
                p.fetch_add(1, SeqCst);
            });
        }
        drop(set);
        eventually(|| drops.get() == 10).await;
    });
    // On the current-thread flavor none had started; on the multi-thread one
    // some may have run before the abort.
    assert!(polls.load(SeqCst) <= 10);
    assert_eq!(drops.get(), 10);
});

#[test]
fn dropping_a_join_set_aborts_tasks_before_they_start_current_thread() {
    let rt = rt::current();
    let polls = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let mut set = JoinSet::new();
        for _ in 0..10 {
            let p = polls.clone();
            set.spawn(async move {
                p.fetch_add(1, SeqCst);
            });
        }
        drop(set);
        task::yield_now().await;
    });
    assert_eq!(polls.load(SeqCst), 0);
}

both_flavors!(
    abort_all_cancels_every_task_and_they_are_still_joined,
    |rt| {
        rt.block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..5 {
                set.spawn(std::future::pending::<()>());
            }
            set.abort_all();
            assert_eq!(set.len(), 5);
            let mut cancelled = 0;
            while let Some(res) = set.join_next().await {
                assert!(res.unwrap_err().is_cancelled());
                cancelled += 1;
            }
            assert_eq!(cancelled, 5);
        });
    }
);

both_flavors!(spawn_returns_an_abort_handle_for_that_task, |rt| {
    rt.block_on(async {
        let mut set = JoinSet::new();
        let stuck = set.spawn(async {
            std::future::pending::<()>().await;
            0
        });
        set.spawn(async { 1 });
        stuck.abort();
        let mut results: Vec<_> = Vec::new();
        while let Some(res) = set.join_next().await {
            results.push(res.map_err(|e| e.is_cancelled()));
        }
        results.sort();
        assert_eq!(results, [Ok(1), Err(true)]);
        assert!(stuck.is_finished());
    });
});

#[test]
fn join_set_debug_shows_its_length() {
    let rt = rt::current();
    rt.block_on(async {
        let mut set = JoinSet::new();
        set.spawn(async {});
        assert_eq!(format!("{set:?}"), "JoinSet { len: 1 }");
    });
}

#[test]
#[should_panic(expected = "called outside a runtime")]
fn spawn_outside_a_runtime_panics_like_runtime_spawn() {
    let mut set = JoinSet::new();
    set.spawn(async {});
}

both_flavors!(try_join_next_returns_finished_tasks_without_waiting, |rt| {
    rt.block_on(async {
        let mut set = JoinSet::new();
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        set.spawn(async move { rx.await.map(|()| 1) });
        set.spawn(async { Ok(2) });
        // The finished one comes out; the waiting one never blocks the call.
        let mut got = None;
        while got.is_none() {
            got = set.try_join_next();
            task::yield_now().await;
        }
        assert_eq!(got.unwrap().unwrap(), Ok(2));
        assert!(set.try_join_next().is_none(), "the other is still waiting");
        assert_eq!(set.len(), 1);
        tx.send(()).unwrap();
        assert_eq!(set.join_next().await.unwrap().unwrap(), Ok(1));
        assert!(set.try_join_next().is_none(), "empty");
    });
});

both_flavors!(shutdown_aborts_every_task_and_waits_for_them, |rt| {
    let dropped = DropCounter::default();
    rt.block_on(async {
        let mut set = JoinSet::new();
        for _ in 0..5 {
            let t = dropped.track();
            set.spawn(async move {
                let _t = t;
                std::future::pending::<()>().await;
            });
        }
        set.spawn(async { panic!("ignored by shutdown") });
        set.shutdown().await;
        assert!(set.is_empty());
        assert_eq!(
            dropped.get(),
            5,
            "every future was dropped before it returned"
        );
    });
});

both_flavors!(join_all_returns_every_output, |rt| {
    let mut out = rt.block_on(async {
        let mut set = JoinSet::new();
        for i in 0..10u32 {
            set.spawn(async move {
                task::yield_now().await;
                i
            });
        }
        set.join_all().await
    });
    out.sort();
    assert_eq!(out, (0..10).collect::<Vec<_>>());
});

both_flavors!(join_all_resumes_a_task_panic_and_aborts_the_rest, |rt| {
    let dropped = DropCounter::default();
    let d = dropped.clone();
    let r = rt.block_on(async move {
        let mut set = JoinSet::new();
        let t = d.track();
        set.spawn(async move {
            let _t = t;
            std::future::pending::<()>().await;
        });
        set.spawn(async { panic!("task failed") });
        runtime::spawn(async move { std::panic::AssertUnwindSafe(set.join_all()).await })
            .await
            .unwrap_err()
    });
    assert_eq!(panic_message(&*r.into_panic()), "task failed");
    rt.block_on(eventually(|| dropped.get() == 1));
});

both_flavors!(detach_all_lets_the_tasks_run_on, |rt| {
    rt.block_on(async {
        let (tx, rx) = runtime::sync::oneshot::channel();
        let mut set = JoinSet::new();
        set.spawn(async move {
            task::yield_now().await;
            tx.send("ran").unwrap();
        });
        set.detach_all();
        assert!(set.is_empty());
        drop(set);
        assert_eq!(rx.await.unwrap(), "ran");
    });
});

both_flavors!(collect_and_extend_spawn_each_future, |rt| {
    rt.block_on(async {
        let mut set: JoinSet<u32> = (0..3).map(|i| async move { i }).collect();
        set.extend((3..5).map(|i| async move { i }));
        assert_eq!(set.len(), 5);
        let mut out = set.join_all().await;
        out.sort();
        assert_eq!(out, [0, 1, 2, 3, 4]);
    });
});

#[test]
fn spawn_on_works_from_outside_a_runtime() {
    let rt = rt::multi(1);
    let mut set = JoinSet::new();
    set.spawn_on(async { 5 }, rt.handle());
    assert_eq!(rt.block_on(set.join_next()).unwrap().unwrap(), 5);
}
