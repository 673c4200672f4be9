//! tokio's runtime-independent vocabulary (`sync`, `select!`, `join!`) on
//! our scheduler, and the cooperative budget it does not charge.
mod common;
use common::*;
use runtime::sync::{broadcast, mpsc, oneshot, watch, Mutex, Notify, Semaphore};
use runtime::{task, time};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

both_flavors!(mpsc_delivers_every_message_in_per_producer_order, |rt| {
    const PRODUCERS: usize = 4;
    const EACH: usize = 100_000;
    rt.block_on(async {
        let (tx, mut rx) = mpsc::channel(1024);
        for p in 0..PRODUCERS {
            let tx = tx.clone();
            runtime::spawn(async move {
                for seq in 0..EACH {
                    tx.send((p, seq)).await.unwrap();
                }
            });
        }
        drop(tx);
        let mut next = [0; PRODUCERS];
        while let Some((p, seq)) = rx.recv().await {
            assert_eq!(seq, next[p], "producer {p}'s messages out of order");
            next[p] += 1;
        }
        assert_eq!(next, [EACH; PRODUCERS], "messages lost");
    });
});

both_flavors!(broadcast_gives_every_receiver_every_message, |rt| {
    rt.block_on(async {
        let (tx, _) = broadcast::channel(128);
        let receivers: Vec<_> = (0..3)
            .map(|_| {
                let mut rx = tx.subscribe();
                runtime::spawn(async move {
                    let mut got = Vec::new();
                    while let Ok(v) = rx.recv().await {
                        got.push(v);
                    }
                    got
                })
            })
            .collect();
        for i in 0..100 {
            tx.send(i).unwrap();
        }
        drop(tx); // receivers then see `Closed` after the last message
        for r in receivers {
            assert_eq!(r.await.unwrap(), (0..100).collect::<Vec<_>>());
        }
    });
});

both_flavors!(
    watch_receiver_sees_values_in_order_ending_with_the_last,
    |rt| {
        rt.block_on(async {
            let (tx, mut rx) = watch::channel(0u32);
            let sender = runtime::spawn(async move {
                for i in 1..=1000 {
                    tx.send(i).unwrap();
                    if i % 10 == 0 {
                        task::yield_now().await;
                    }
                }
            });
            let mut last = 0;
            while rx.changed().await.is_ok() {
                let v = *rx.borrow_and_update();
                assert!(v > last, "went back from {last} to {v}");
                last = v;
            }
            // The sender dropped: `changed` failed only after the last value was seen.
            assert_eq!(last, 1000);
            sender.await.unwrap();
        });
    }
);

both_flavors!(mutex_held_across_await_excludes_other_tasks, |rt| {
    rt.block_on(async {
        let value = Arc::new(Mutex::new(0u32));
        let inside = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (value, inside) = (value.clone(), inside.clone());
                runtime::spawn(async move {
                    for _ in 0..100 {
                        let mut guard = value.lock().await;
                        assert_eq!(inside.fetch_add(1, SeqCst), 0, "two holders at once");
                        let read = *guard;
                        task::yield_now().await; // held across an await
                        *guard = read + 1;
                        inside.fetch_sub(1, SeqCst);
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*value.lock().await, 800);
    });
});

both_flavors!(semaphore_limits_concurrency_to_exactly_n, |rt| {
    const N: usize = 3;
    rt.block_on(async {
        let permits = Arc::new(Semaphore::new(N));
        let current = Arc::new(AtomicUsize::new(0));
        let max = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (permits, current, max) = (permits.clone(), current.clone(), max.clone());
                runtime::spawn(async move {
                    let _permit = permits.acquire().await.unwrap();
                    let now = current.fetch_add(1, SeqCst) + 1;
                    max.fetch_max(now, SeqCst);
                    // Hold the permit until N holders were seen at once, so
                    // the bound is reached whatever the interleaving.
                    eventually(|| max.load(SeqCst) == N).await;
                    current.fetch_sub(1, SeqCst);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(max.load(SeqCst), N);
        assert_eq!(permits.available_permits(), N);
    });
});

both_flavors!(notify_wakes_one_waiter_or_all, |rt| {
    rt.block_on(async {
        // A notify_one with nobody waiting is kept for the next waiter.
        let notify = Arc::new(Notify::new());
        notify.notify_one();
        notify.notified().await;

        let ready = Arc::new(AtomicUsize::new(0));
        let waiters: Vec<_> = (0..5)
            .map(|_| {
                let (notify, ready) = (notify.clone(), ready.clone());
                runtime::spawn(async move {
                    let notified = notify.notified();
                    runtime::pin!(notified);
                    notified.as_mut().enable(); // registered: notify_waiters reaches it
                    ready.fetch_add(1, SeqCst);
                    notified.await;
                })
            })
            .collect();
        eventually(|| ready.load(SeqCst) == 5).await;
        notify.notify_waiters();
        for w in waiters {
            w.await.unwrap();
        }
    });
});

both_flavors!(select_takes_the_branch_that_completes_first, |rt| {
    rt.block_on(async {
        // The channel wins over a long sleep...
        let (tx, mut rx) = mpsc::channel(1);
        runtime::spawn(async move {
            time::sleep(Duration::from_millis(10)).await;
            tx.send(7).await.unwrap();
        });
        runtime::select! {
            v = rx.recv() => assert_eq!(v, Some(7)),
            _ = time::sleep(Duration::from_secs(3600)) => panic!("the sleep won"),
        }
        // ...and a short sleep over a silent channel. Unbiased `select!`
        // draws its branch order from tokio's thread-local generator, which
        // needs no tokio runtime: run it often enough to take both orders.
        let (_tx, mut silent) = mpsc::channel::<()>(1);
        for _ in 0..20 {
            runtime::select! {
                _ = silent.recv() => panic!("nothing was sent"),
                _ = time::sleep(Duration::from_millis(1)) => {}
            }
        }
    });
});

both_flavors!(
    join_runs_branches_concurrently_and_try_join_stops_at_err,
    |rt| {
        rt.block_on(async {
            // The first branch waits for the second: only concurrent polling finishes.
            let (tx, rx) = oneshot::channel();
            let (a, b) = runtime::join!(async { rx.await.unwrap() + 1 }, async {
                tx.send(41).unwrap();
                "sent"
            });
            assert_eq!((a, b), (42, "sent"));

            let ok: Result<(u8, &str), &str> =
                runtime::try_join!(async { Ok(1) }, async { Ok("two") });
            assert_eq!(ok, Ok((1, "two")));
            let polled_after_err = Arc::new(AtomicBool::new(false));
            let flag = polled_after_err.clone();
            let err: Result<((), ()), &str> = runtime::try_join!(
                async {
                    task::yield_now().await;
                    flag.store(true, SeqCst);
                    Ok(())
                },
                async { Err("boom") },
            );
            assert_eq!(err, Err("boom"));
            assert!(
                !polled_after_err.load(SeqCst),
                "try_join! kept polling after an Err"
            );
        });
    }
);

/// On a current-thread runtime, spawns a task that loops `ITERATIONS` times
/// on an always-ready channel (calling `yield_point` once per message) and,
/// behind it, a neighbour that sets a flag. Returns the iteration at which
/// the loop first saw the neighbour's flag, if it ever did.
fn neighbour_seen_at<Y, F>(yield_point: Y) -> Option<usize>
where
    Y: Fn() -> F + Send + 'static,
    F: Future<Output = ()> + Send,
{
    const ITERATIONS: usize = 1000;
    let rt = rt::current();
    rt.block_on(async {
        let neighbour_ran = Arc::new(AtomicBool::new(false));
        let ran = neighbour_ran.clone();
        let looper = runtime::spawn(async move {
            let (tx, mut rx) = mpsc::unbounded_channel();
            for i in 0..ITERATIONS {
                tx.send(i).unwrap();
                assert_eq!(rx.recv().await, Some(i)); // always ready
                yield_point().await;
                if ran.load(SeqCst) {
                    return Some(i);
                }
            }
            None
        });
        runtime::spawn(async move { neighbour_ran.store(true, SeqCst) });
        looper.await.unwrap()
    })
}

#[test]
fn a_loop_on_an_always_ready_channel_starves_its_neighbour() {
    // tokio's channels charge tokio's budget, which does not exist without
    // tokio's runtime: nothing in this loop ever returns to the scheduler.
    assert_eq!(neighbour_seen_at(|| async {}), None);
}

#[test]
fn consume_budget_lets_the_neighbour_run_once_the_budget_is_spent() {
    // 128 units per poll (like tokio): the 129th call yields, not the first.
    assert_eq!(neighbour_seen_at(task::consume_budget), Some(128));
}

#[test]
fn yield_now_lets_the_neighbour_run_at_once() {
    assert_eq!(neighbour_seen_at(task::yield_now), Some(0));
}

#[test]
fn unconstrained_loop_is_never_made_to_yield() {
    let rt = rt::current();
    let seen = rt.block_on(async {
        let neighbour_ran = Arc::new(AtomicBool::new(false));
        let ran = neighbour_ran.clone();
        let looper = runtime::spawn(task::unconstrained(async move {
            for _ in 0..1000 {
                task::consume_budget().await;
            }
            ran.load(SeqCst)
        }));
        runtime::spawn(async move { neighbour_ran.store(true, SeqCst) });
        looper.await.unwrap()
    });
    assert!(!seen, "an unconstrained task was made to yield");
    let debug = format!("{:?}", task::unconstrained(async {}));
    assert!(debug.starts_with("Unconstrained"), "{debug}");
}
