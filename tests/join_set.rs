//! `task::JoinSet`: completion order, abort, and abort-on-drop.

mod common;
use common::*;
use runtime::task::{self, JoinSet};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

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
    let rt = runtime::Builder::new_current_thread().build().unwrap();
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
    let rt = runtime::Builder::new_current_thread().build().unwrap();
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
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let mut set = JoinSet::new();
    set.spawn_on(async { 5 }, rt.handle());
    assert_eq!(rt.block_on(set.join_next()).unwrap().unwrap(), 5);
}
