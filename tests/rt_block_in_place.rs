//! `task::block_in_place`: blocking code runs in place while the worker's
//! tasks go on elsewhere.

mod common;

use common::{panic_message, rt, wait_until, within};
use runtime::task;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

/// One worker: the tasks it spawned (the last in its LIFO slot, the others
/// in its queue) can only run if the worker hands them on while the
/// closure blocks waiting for them.
#[test]
fn the_workers_lifo_slot_and_queue_run_while_the_closure_blocks() {
    within(60, || {
        let rt = rt::multi(1);
        let done = rt.block_on(async {
            runtime::spawn(async {
                let ran = Arc::new(AtomicUsize::new(0));
                let handles: Vec<_> = (0..5)
                    .map(|_| {
                        let ran = ran.clone();
                        runtime::spawn(async move { ran.fetch_add(1, SeqCst) })
                    })
                    .collect();
                task::block_in_place(|| wait_until(|| ran.load(SeqCst) == 5));
                for h in handles {
                    h.await.unwrap();
                }
                ran.load(SeqCst)
            })
            .await
            .unwrap()
        });
        assert_eq!(done, 5);
    });
}

#[test]
fn the_task_continues_on_its_thread_after_the_closure() {
    let rt = rt::multi(1);
    let (before, inside, after) = rt.block_on(async {
        runtime::spawn(async {
            let before = std::thread::current().id();
            let inside = task::block_in_place(|| std::thread::current().id());
            (before, inside, std::thread::current().id())
        })
        .await
        .unwrap()
    });
    assert_eq!(before, inside);
    assert_eq!(inside, after);
}

/// The thread that blocked must not go on as a second worker 0 next to the
/// replacement: with one worker, no two tasks are ever polled at once —
/// whether the thread took its core back or retired.
#[test]
fn a_thread_back_from_the_closure_never_runs_beside_its_replacement() {
    within(120, || {
        let rt = rt::multi(1);
        let active = Arc::new(AtomicUsize::new(0));
        let max = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            for round in 0..20u64 {
                // Polls that overlap if two threads act as worker 0.
                let checkers: Vec<_> = (0..4)
                    .map(|_| {
                        let (active, max) = (active.clone(), max.clone());
                        runtime::spawn(async move {
                            for _ in 0..5 {
                                let n = active.fetch_add(1, SeqCst) + 1;
                                max.fetch_max(n, SeqCst);
                                std::thread::sleep(std::time::Duration::from_micros(200));
                                active.fetch_sub(1, SeqCst);
                                task::yield_now().await;
                            }
                        })
                    })
                    .collect();
                let blocker = runtime::spawn(async move {
                    // Short or long: sometimes the replacement has started
                    // by the time the closure returns, sometimes not.
                    task::block_in_place(|| {
                        std::thread::sleep(std::time::Duration::from_micros(100 * (round % 3)))
                    });
                    task::yield_now().await;
                });
                blocker.await.unwrap();
                for c in checkers {
                    c.await.unwrap();
                }
            }
        });
        assert_eq!(max.load(SeqCst), 1, "two threads polled as worker 0");
    });
}

#[test]
fn the_closure_may_block_on_async_code_through_a_handle() {
    let rt = rt::multi(2);
    let n = rt.block_on(async {
        runtime::spawn(async {
            task::block_in_place(|| {
                runtime::Handle::current().block_on(async {
                    runtime::time::sleep(std::time::Duration::from_millis(1)).await;
                    runtime::spawn(async { 21 }).await.unwrap() * 2
                })
            })
        })
        .await
        .unwrap()
    });
    assert_eq!(n, 42);
}

#[test]
fn a_panic_in_the_closure_fails_its_task_and_the_runtime_goes_on() {
    let rt = rt::multi(1);
    rt.block_on(async {
        for _ in 0..3 {
            let e = runtime::spawn(async { task::block_in_place(|| panic!("in place")) })
                .await
                .unwrap_err();
            assert_eq!(panic_message(&*e.into_panic()), "in place");
        }
        let hs: Vec<_> = (0..100).map(|i| runtime::spawn(async move { i })).collect();
        let mut sum = 0;
        for h in hs {
            sum += h.await.unwrap();
        }
        assert_eq!(sum, 4950);
    });
}

#[test]
fn many_blocking_tasks_at_once_keep_every_task_running() {
    within(120, || {
        let rt = rt::multi(2);
        let release = Arc::new(AtomicBool::new(false));
        rt.block_on(async {
            // More blockers than workers, all blocked at once: each hands
            // its worker on, so the releasing task still gets to run.
            let blockers: Vec<_> = (0..6)
                .map(|_| {
                    let release = release.clone();
                    runtime::spawn(async move {
                        task::block_in_place(|| wait_until(|| release.load(SeqCst)));
                    })
                })
                .collect();
            let r = release.clone();
            runtime::spawn(async move {
                runtime::time::sleep(std::time::Duration::from_millis(20)).await;
                r.store(true, SeqCst);
            })
            .await
            .unwrap();
            for b in blockers {
                b.await.unwrap();
            }
        });
    });
}

#[test]
fn on_a_current_thread_runtime_it_panics_saying_to_use_spawn_blocking() {
    let rt = rt::current();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { task::block_in_place(|| ()) })
    }));
    let msg = panic_message(&*r.unwrap_err());
    assert!(
        msg.contains("current-thread runtime") && msg.contains("spawn_blocking"),
        "{msg}"
    );
    let e = rt
        .block_on(rt.spawn(async { task::block_in_place(|| ()) }))
        .unwrap_err();
    assert!(panic_message(&*e.into_panic()).contains("spawn_blocking"));
}

#[test]
fn where_no_worker_is_it_just_runs_the_closure() {
    assert_eq!(task::block_in_place(|| 1), 1, "outside a runtime");
    let rt = rt::multi(1);
    assert_eq!(
        rt.block_on(async { task::block_in_place(|| 2) }),
        2,
        "block_on"
    );
    let n = rt
        .block_on(rt.spawn_blocking(|| task::block_in_place(|| 3)))
        .unwrap();
    assert_eq!(n, 3, "spawn_blocking");
    let ct = rt::current();
    let n = ct
        .block_on(ct.spawn_blocking(|| task::block_in_place(|| 4)))
        .unwrap();
    assert_eq!(n, 4, "a current-thread runtime's spawn_blocking");
}

/// The closure owns the runtime and drops it: the thread it runs on is one
/// of that runtime's worker threads, which the drop must not wait for (it
/// would wait for itself).
#[test]
fn the_closure_may_drop_the_runtime_it_runs_on() {
    within(60, || {
        let rt = rt::multi(1);
        let handle = rt.handle().clone();
        let (tx, rx) = std::sync::mpsc::channel();
        handle.spawn(async move {
            task::block_in_place(move || drop(rt));
            tx.send(()).unwrap();
        });
        rx.recv().unwrap();
    });
}

/// The closure runs without the task's cooperative budget: it can drive
/// 200 join handles to completion with an executor of its own (with the
/// budget, the 129th would stay `Pending` forever).
#[test]
fn the_budget_does_not_apply_inside_block_in_place() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let done = rt.block_on(async {
        runtime::spawn(async {
            let handles: Vec<_> = (0..200).map(|i| runtime::spawn(async move { i })).collect();
            runtime::task::block_in_place(move || {
                futures::executor::block_on(async {
                    let mut n = 0;
                    for h in handles {
                        h.await.unwrap();
                        n += 1;
                    }
                    n
                })
            })
        })
        .await
        .unwrap()
    });
    assert_eq!(done, 200);
}

/// Also on a multi-thread `block_on` thread, where `block_in_place` just
/// runs the closure.
#[test]
fn the_budget_does_not_apply_inside_block_in_place_on_the_block_on_thread() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let done = rt.block_on(async {
        let handles: Vec<_> = (0..200).map(|i| runtime::spawn(async move { i })).collect();
        runtime::task::block_in_place(move || {
            futures::executor::block_on(async {
                let mut n = 0;
                for h in handles {
                    h.await.unwrap();
                    n += 1;
                }
                n
            })
        })
    });
    assert_eq!(done, 200);
}
/// Dropping the runtime cancels its tasks before it waits for its threads:
/// here a `block_in_place` closure waits for a channel that only another
/// task's cancellation closes (tokio's `hang_on_shutdown`).
#[test]
fn dropping_the_runtime_cancels_what_a_block_in_place_waits_for() {
    common::within(60, || {
        let rt = runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = std::sync::mpsc::channel::<()>();
        let s2 = started_tx.clone();
        rt.spawn(async move {
            s2.send(()).unwrap();
            runtime::task::block_in_place(move || {
                let _ = rx.recv(); // until `tx` is dropped
            });
        });
        rt.spawn(async move {
            started_tx.send(()).unwrap();
            runtime::time::sleep(std::time::Duration::from_secs(3600)).await;
            drop(tx);
        });
        started.recv().unwrap();
        started.recv().unwrap();
        drop(rt);
    });
}
