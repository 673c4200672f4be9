//! Cancellation that reaches what a task awaits: `JoinHandle::abort_on_drop`
//! and `task::TaskGroup` (asyncio 3.11's TaskGroup), against the seed
//! program that leaked its tasks under a timeout.
mod common;
use common::*;
use runtime::task::{self, TaskGroup, TaskState};
use runtime::time;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
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

fn paused() -> runtime::Runtime {
    runtime::Builder::new_current_thread()
        .start_paused(true)
        .build()
        .unwrap()
}

/// The tutorial's example 06: two tasks of 1 s gathered under a 0.5 s
/// `wait_for`. asyncio cancels them with the gather ("tasks left: 0").
async fn seed_06_children(drops: &DropCounter) -> [task::JoinHandle<()>; 2] {
    [0, 1].map(|_| {
        let guard = drops.track();
        runtime::spawn(async move {
            let _guard = guard;
            time::sleep(Duration::from_secs(1)).await;
        })
    })
}

#[test]
fn seed_06_with_plain_handles_leaves_its_tasks_running() {
    // The trap these tools exist for: a dropped JoinHandle detaches.
    paused().block_on(async {
        let drops = DropCounter::default();
        let children = seed_06_children(&drops).await;
        let gathered = task::gather(children);
        assert!(time::timeout(Duration::from_millis(500), gathered)
            .await
            .is_err());
        assert_eq!(task::all_tasks().len(), 2);
        assert_eq!(drops.get(), 0);
    });
}

#[test]
fn seed_06_with_abort_on_drop_leaves_no_task() {
    paused().block_on(async {
        let drops = DropCounter::default();
        let children = seed_06_children(&drops).await.map(|h| h.abort_on_drop());
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
fn seed_06_with_a_task_group_under_wait_for_leaves_no_task() {
    // The whole gather is itself a task, cancelled by `wait_for`: the
    // cancellation reaches its children through the group it drops.
    paused().block_on(async {
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
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
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
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
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
    let rt = runtime::Builder::new_current_thread().build().unwrap();
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
