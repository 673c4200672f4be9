//! The running task and what a snapshot says about a task: `task::id()`,
//! `task::try_id()`, `task::current()`, `TaskState::Cancelling`,
//! `TaskInfo::abort_handle()`, `JoinHandle::name()`.
mod common;
use common::*;
use runtime::task::{self, TaskState};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

both_flavors!(a_task_sees_its_own_id_and_info, |rt| {
    rt.block_on(async {
        let h = task::Builder::new()
            .name("me")
            .spawn(async {
                task::yield_now().await; // the second poll is what we look at
                (task::id(), task::try_id(), task::current())
            })
            .unwrap();
        let id = h.id();
        let (a, b, info) = h.await.unwrap();
        assert_eq!((a, b), (id, Some(id)));
        assert_eq!(info.id(), id);
        assert_eq!(info.name(), Some("me"));
        assert_eq!(info.state(), TaskState::Running);
        assert_eq!(info.polls(), 2);
        assert!(info.spawned_at().file().ends_with("task_current.rs"));
    });
});

both_flavors!(
    each_task_has_its_own_id_even_when_polled_inside_another,
    |rt| {
        rt.block_on(async {
            let outer = runtime::spawn(async {
                let inner = runtime::spawn(async { task::id() });
                let inner_id = inner.id();
                let seen = inner.await.unwrap();
                (task::id(), inner_id, seen)
            });
            let outer_id = outer.id();
            let (mine, inner_id, seen) = outer.await.unwrap();
            assert_eq!(mine, outer_id);
            assert_eq!(seen, inner_id);
            assert_ne!(mine, inner_id);
        });
    }
);

both_flavors!(
    there_is_no_current_task_in_block_on_or_a_blocking_job,
    |rt| {
        rt.block_on(async {
            assert_eq!(task::try_id(), None);
            assert!(task::try_current().is_none());
            let in_job =
                runtime::spawn_blocking(|| (task::try_id(), task::try_current().is_none()));
            assert_eq!(in_job.await.unwrap(), (None, true));
            // From a task, a blocking job it starts still has none.
            let from_task =
                runtime::spawn(async { runtime::spawn_blocking(task::try_id).await.unwrap() });
            assert_eq!(from_task.await.unwrap(), None);
        });
        assert_eq!(task::try_id(), None);
    }
);

#[test]
fn task_id_outside_a_task_panics_saying_what_to_use() {
    let p = std::panic::catch_unwind(task::id).unwrap_err();
    let msg = panic_message(&*p);
    assert!(msg.contains("`task::id()` called outside a task"), "{msg}");
    assert!(msg.contains("task::try_id()"), "{msg}");
    let p = std::panic::catch_unwind(task::current).unwrap_err();
    let msg = panic_message(&*p);
    assert!(msg.contains("task::try_current()"), "{msg}");
}

both_flavors!(a_cancelled_tasks_destructors_see_its_id, |rt| {
    rt.block_on(async {
        struct OnDrop(Arc<Mutex<Option<task::Id>>>);
        impl Drop for OnDrop {
            fn drop(&mut self) {
                *self.0.lock().unwrap() = task::try_id();
            }
        }
        let seen = Arc::new(Mutex::new(None));
        let guard = OnDrop(seen.clone());
        let h = runtime::spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        let id = h.id();
        eventually(|| task::all_tasks().iter().all(|t| t.polls() == 1)).await;
        h.abort();
        assert!(h.await.unwrap_err().is_cancelled());
        assert_eq!(*seen.lock().unwrap(), Some(id));
    });
});

#[test]
fn an_aborted_idle_task_is_cancelling_until_it_is_dropped() {
    // Current thread: the abort queues the task to be dropped, and nothing
    // runs it until `block_on`'s future yields.
    let rt = rt::current();
    rt.block_on(async {
        let h = task::Builder::new()
            .name("doomed")
            .spawn(std::future::pending::<()>())
            .unwrap();
        task::yield_now().await;
        assert_eq!(task::all_tasks()[0].state(), TaskState::Idle);
        h.abort();
        let tasks = task::all_tasks();
        assert_eq!(tasks[0].state(), TaskState::Cancelling);
        let dump = runtime::Handle::current().dump().to_string();
        assert!(dump.contains("\"doomed\" cancelling, spawned at"), "{dump}");
        assert!(h.await.unwrap_err().is_cancelled());
        assert!(task::all_tasks().is_empty());
    });
}

#[test]
fn a_task_aborted_inside_its_poll_is_cancelling_until_the_poll_ends() {
    let rt = rt::multi(2);
    let inside = Arc::new(AtomicBool::new(false));
    let release = Arc::new(AtomicBool::new(false));
    let (i, r) = (inside.clone(), release.clone());
    rt.block_on(async move {
        let h = runtime::spawn(async move {
            i.store(true, SeqCst);
            while !r.load(SeqCst) {
                std::thread::yield_now();
            }
            std::future::pending::<()>().await;
        });
        eventually(|| inside.load(SeqCst)).await;
        assert_eq!(task::all_tasks()[0].state(), TaskState::Running);
        h.abort();
        assert_eq!(task::all_tasks()[0].state(), TaskState::Cancelling);
        release.store(true, SeqCst);
        assert!(h.await.unwrap_err().is_cancelled());
    });
}

both_flavors!(
    every_task_from_all_tasks_can_be_cancelled_in_one_loop,
    |rt| {
        // asyncio's `for t in asyncio.all_tasks(): t.cancel()`.
        rt.block_on(async {
            let drops = DropCounter::default();
            let handles: Vec<_> = (0..5)
                .map(|_| {
                    let guard = drops.track();
                    runtime::spawn(async move {
                        let _guard = guard;
                        std::future::pending::<()>().await;
                    })
                })
                .collect();
            for t in task::all_tasks() {
                t.abort_handle().abort();
            }
            for h in handles {
                assert!(h.await.unwrap_err().is_cancelled());
            }
            assert_eq!(drops.get(), 5);
        });
    }
);

both_flavors!(a_join_handle_knows_its_tasks_name, |rt| {
    rt.block_on(async {
        let named = task::Builder::new()
            .name("fetch-7")
            .spawn(async {})
            .unwrap();
        assert_eq!(named.name(), Some("fetch-7"));
        assert!(format!("{named:?}").contains("fetch-7"));
        assert_eq!(runtime::spawn(async {}).name(), None);
        assert_eq!(runtime::spawn_blocking(|| ()).name(), None);
        named.await.unwrap();
    });
});
