//! The scheduler: fairness, wake-while-running, chained spawns, yields,
//! thread hooks; then the stress tests: many cross-thread wake-ups, deep
//! spawn/join fan-out, and spawn/abort/drop storms from several OS threads
//! at once.
//!
//! The stress tests are sized to finish in a few seconds in a debug build
//! on two cores (the cross-thread test already does 1 000 000 wake-ups per
//! flavor); multiply every size of theirs with `STRESS_SCALE=<n>` for
//! longer runs.
mod common;
use common::{rt, wait_until, within, DropCounter, Tracked};
use futures::channel::{mpsc, oneshot};
use futures::{SinkExt, StreamExt};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

#[test]
fn a_spinning_task_does_not_stop_a_yielding_one_on_two_workers() {
    let rt = rt::multi(2);
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    // Never awaits until told to stop: occupies one worker completely.
    let spinner = rt.spawn(async move {
        while !s.load(SeqCst) {
            std::hint::spin_loop();
        }
    });
    let yielder = rt.spawn(async {
        for _ in 0..1000 {
            runtime::task::yield_now().await;
        }
        "done"
    });
    assert_eq!(rt.block_on(yielder).unwrap(), "done");
    stop.store(true, SeqCst);
    rt.block_on(spinner).unwrap();
}

fn chained(depth: usize) -> Pin<Box<dyn Future<Output = usize> + Send>> {
    Box::pin(async move {
        if depth == 0 {
            0
        } else {
            runtime::spawn(chained(depth - 1)).await.unwrap() + 1
        }
    })
}

both_flavors!(hundred_tasks_each_chain_a_thousand_spawns, |rt| {
    let total = rt.block_on(async {
        let hs: Vec<_> = (0..100).map(|_| runtime::spawn(chained(1000))).collect();
        let mut total = 0;
        for h in hs {
            total += h.await.unwrap();
        }
        total
    });
    assert_eq!(total, 100 * 1000);
});

/// Pending on the first poll; during it, another thread wakes the task
/// (twice) while the poll is still running.
struct WokenDuringPoll {
    polls: Arc<AtomicUsize>,
    concurrent: Arc<AtomicUsize>,
}

impl Future for WokenDuringPoll {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        assert_eq!(
            self.concurrent.fetch_add(1, SeqCst),
            0,
            "polled twice at once"
        );
        let n = self.polls.fetch_add(1, SeqCst);
        let res = if n == 0 {
            let w: Waker = cx.waker().clone();
            let w2 = w.clone();
            std::thread::spawn(move || {
                w.wake();
                w2.wake_by_ref();
            })
            .join()
            .unwrap();
            Poll::Pending
        } else {
            Poll::Ready(())
        };
        self.concurrent.fetch_sub(1, SeqCst);
        res
    }
}

both_flavors!(wake_while_running_repolls_exactly_once, |rt| {
    let polls = Arc::new(AtomicUsize::new(0));
    let f = WokenDuringPoll {
        polls: polls.clone(),
        concurrent: Arc::new(AtomicUsize::new(0)),
    };
    rt.block_on(async { runtime::spawn(f).await.unwrap() });
    assert_eq!(polls.load(SeqCst), 2);
});

#[test]
fn two_yielding_tasks_strictly_alternate_on_current_thread() {
    let rt = rt::current();
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    rt.block_on(async {
        let hs: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|name| {
                let log = log.clone();
                runtime::spawn(async move {
                    for i in 0..3 {
                        log.lock().unwrap().push(format!("{name}{i}"));
                        runtime::task::yield_now().await;
                    }
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
    });
    assert_eq!(
        *log.lock().unwrap(),
        ["a0", "b0", "a1", "b1", "a2", "b2"].map(String::from)
    );
}

both_flavors!(many_cross_thread_wakeups_are_never_lost, |rt| {
    // Tasks wait on channels fed by a plain OS thread.
    let n = 2000;
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..n)
        .map(|_| futures::channel::oneshot::channel::<usize>())
        .unzip();
    let sum = rt.block_on(async move {
        let hs: Vec<_> = receivers
            .into_iter()
            .map(|rx| runtime::spawn(async move { rx.await.unwrap() }))
            .collect();
        std::thread::spawn(move || {
            for (i, tx) in senders.into_iter().enumerate() {
                tx.send(i).unwrap();
            }
        });
        let mut sum = 0;
        for h in hs {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, n * (n - 1) / 2);
});

#[test]
fn thread_hooks_and_names() {
    let starts = Arc::new(AtomicUsize::new(0));
    let stops = Arc::new(AtomicUsize::new(0));
    let (s1, s2) = (starts.clone(), stops.clone());
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(3)
        .thread_name("hooked")
        .on_thread_start(move || {
            s1.fetch_add(1, SeqCst);
        })
        .on_thread_stop(move || {
            s2.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap();
    let name = rt
        .block_on(rt.spawn(async { std::thread::current().name().unwrap().to_string() }))
        .unwrap();
    assert!(name.starts_with("hooked-"), "{name}");
    drop(rt);
    assert_eq!(starts.load(SeqCst), 3);
    assert_eq!(stops.load(SeqCst), 3);
}

// ---------------------------------------------------------------- stress

/// Multiplier for every size of the stress tests (`STRESS_SCALE`, default 1).
fn scale() -> usize {
    std::env::var("STRESS_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or(1)
}

// 100 receiving tasks, each fed `per_task` messages over an unbounded
// channel by plain OS threads (round-robin, so every receiver keeps going
// idle and being woken from another thread). Every message must arrive,
// in order, exactly once. Default 100 x 10 000 = 1 000 000 per flavor.
both_flavors!(cross_thread_wakeups_lose_no_message, |rt| {
    const TASKS: usize = 100;
    const FEEDERS: usize = 4;
    let per_task = 10_000 * scale();
    let woken = Arc::new(AtomicUsize::new(0));
    let woken2 = woken.clone();
    within(300, move || {
        let mut senders = Vec::new();
        let mut tasks = Vec::new();
        for _ in 0..TASKS {
            let (tx, mut rx) = mpsc::unbounded::<usize>();
            senders.push(tx);
            let woken = woken2.clone();
            tasks.push(rt.spawn(async move {
                let mut expected = 0;
                while let Some(m) = rx.next().await {
                    assert_eq!(m, expected, "message lost or reordered");
                    expected += 1;
                    woken.fetch_add(1, SeqCst);
                }
                expected
            }));
        }
        // Feeder f owns receivers f, f + FEEDERS, ...
        let mut groups: Vec<Vec<_>> = (0..FEEDERS).map(|_| Vec::new()).collect();
        for (i, tx) in senders.into_iter().enumerate() {
            groups[i % FEEDERS].push(tx);
        }
        let feeders: Vec<_> = groups
            .into_iter()
            .map(|group| {
                std::thread::spawn(move || {
                    for m in 0..per_task {
                        for tx in &group {
                            tx.unbounded_send(m).unwrap();
                        }
                        if m % 64 == 0 {
                            std::thread::yield_now();
                        }
                    }
                    // Dropping the senders ends every receiver's stream.
                })
            })
            .collect();
        // Drive the receivers while the feeders run (the current-thread
        // runtime only runs tasks inside `block_on`).
        let counts = rt.block_on(async {
            let mut counts = Vec::new();
            for t in tasks {
                counts.push(t.await.unwrap());
            }
            counts
        });
        for f in feeders {
            f.join().unwrap();
        }
        assert!(counts.iter().all(|&c| c == per_task), "{counts:?}");
    });
    assert_eq!(woken.load(SeqCst), TASKS * per_task);
});

// Ping-pong over bounded channels between tasks and OS threads: each message
// needs a wake-up in each direction (the OS thread blocks on a full channel
// until the task drains it, the task sleeps until the OS thread sends).
both_flavors!(bounded_ping_pong_with_os_threads_never_hangs, |rt| {
    const PAIRS: usize = 8;
    let rounds = 2_000 * scale();
    within(300, move || {
        let mut threads = Vec::new();
        let mut tasks = Vec::new();
        for _ in 0..PAIRS {
            let (mut to_task, mut from_thread) = mpsc::channel::<usize>(0);
            let (mut to_thread, mut from_task) = mpsc::channel::<usize>(0);
            tasks.push(rt.spawn(async move {
                let mut n = 0;
                while let Some(m) = from_thread.next().await {
                    assert_eq!(m, n);
                    to_thread.send(m + 1).await.unwrap();
                    n += 1;
                }
                n
            }));
            threads.push(std::thread::spawn(move || {
                futures::executor::block_on(async {
                    for m in 0..rounds {
                        to_task.send(m).await.unwrap();
                        assert_eq!(from_task.next().await, Some(m + 1));
                    }
                });
            }));
        }
        rt.block_on(async {
            for t in tasks {
                assert_eq!(t.await.unwrap(), rounds);
            }
        });
        for t in threads {
            t.join().unwrap();
        }
    });
});

// Oneshot relay: a chain of tasks, each waiting on a oneshot filled by the
// previous one, so every hop is one wake-up (across workers on the
// multi-thread runtime).
both_flavors!(oneshot_relay_chains_deliver_every_hop, |rt| {
    const CHAINS: usize = 10;
    let hops = 1_000 * scale();
    within(300, move || {
        rt.block_on(async move {
            let mut ends = Vec::new();
            for _ in 0..CHAINS {
                let (first_tx, mut rx) = oneshot::channel::<usize>();
                for _ in 0..hops {
                    let (tx, next_rx) = oneshot::channel::<usize>();
                    runtime::spawn(async move {
                        let v = rx.await.unwrap();
                        tx.send(v + 1).unwrap();
                    });
                    rx = next_rx;
                }
                first_tx.send(0).unwrap();
                ends.push(rx);
            }
            for end in ends {
                assert_eq!(end.await.unwrap(), hops);
            }
        });
    });
});

// 100 tasks, each spawning 1 000 children and joining every one of them.
both_flavors!(
    hundred_tasks_each_spawn_and_join_a_thousand_children,
    |rt| {
        const PARENTS: usize = 100;
        let children = 1_000 * scale();
        within(300, move || {
            let total = rt.block_on(async move {
                let parents: Vec<_> = (0..PARENTS)
                    .map(|p| {
                        runtime::spawn(async move {
                            let handles: Vec<_> = (0..children)
                                .map(|c| {
                                    runtime::spawn(async move {
                                        if c % 3 == 0 {
                                            runtime::task::yield_now().await;
                                        }
                                        p * children + c
                                    })
                                })
                                .collect();
                            let mut sum = 0usize;
                            for (c, h) in handles.into_iter().enumerate() {
                                assert_eq!(h.await.unwrap(), p * children + c);
                                sum += 1;
                            }
                            sum
                        })
                    })
                    .collect();
                let mut total = 0;
                for p in parents {
                    total += p.await.unwrap();
                }
                total
            });
            assert_eq!(total, PARENTS * children);
            assert_eq!(rt.handle().metrics().num_alive_tasks(), 0);
        });
    }
);

/// Holds a `Tracked` so the future's drop is counted; never completes.
async fn pending_tracked(t: Tracked) {
    let _t = t;
    std::future::pending::<()>().await;
}

/// Holds a `Tracked`, yields a few times, then completes.
async fn short_tracked(t: Tracked, yields: usize) -> usize {
    let _t = t;
    for _ in 0..yields {
        runtime::task::yield_now().await;
    }
    yields
}

// Several OS threads storm one multi-thread runtime through cloned handles:
// spawn, abort half, drop half the handles, join the rest. Afterwards no
// task is alive and every future was dropped exactly once.
#[test]
fn spawn_abort_drop_storms_from_many_threads_leave_nothing_alive() {
    const THREADS: usize = 4;
    let per_thread = 5_000 * scale();
    let rt = rt::multi(2);
    let drops = DropCounter::default();
    let handle = rt.handle().clone();
    let storm_drops = drops.clone();
    within(300, move || {
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let handle = handle.clone();
                let drops = storm_drops.clone();
                std::thread::spawn(move || {
                    let mut to_abort = Vec::new();
                    let mut to_join = Vec::new();
                    for i in 0..per_thread {
                        match (i + t) % 6 {
                            // Pending forever: aborted, then joined.
                            0 => to_abort.push(handle.spawn(pending_tracked(drops.track()))),
                            // Pending forever: aborted through an AbortHandle,
                            // JoinHandle dropped first.
                            1 => {
                                let h = handle.spawn(pending_tracked(drops.track()));
                                let a = h.abort_handle();
                                drop(h);
                                a.abort();
                            }
                            // Short work, aborted wherever it happens to be.
                            2 => {
                                let h = handle.spawn(short_tracked(drops.track(), i % 4));
                                h.abort();
                                to_join.push((h, true));
                            }
                            // Short work, detached.
                            3 => drop(handle.spawn(short_tracked(drops.track(), i % 4))),
                            // Short work, joined.
                            _ => to_join
                                .push((handle.spawn(short_tracked(drops.track(), i % 4)), false)),
                        }
                    }
                    for h in &to_abort {
                        h.abort();
                    }
                    futures::executor::block_on(async {
                        for h in to_abort {
                            let e = h.await.unwrap_err();
                            assert!(e.is_cancelled(), "{e}");
                        }
                        for (h, aborted) in to_join {
                            match h.await {
                                Ok(_) => {}
                                Err(e) => assert!(aborted && e.is_cancelled(), "{e}"),
                            }
                        }
                    });
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    });
    let total = THREADS * per_thread;
    wait_until(|| rt.handle().metrics().num_alive_tasks() == 0);
    wait_until(|| drops.get() >= total);
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(drops.get(), total, "a future was dropped more than once");
    assert_eq!(rt.handle().metrics().unretrieved_panic_count(), 0);
    drop(rt);
    assert_eq!(
        drops.get(),
        total,
        "shutdown dropped a finished future again"
    );
}

// The same storm, but the runtime is dropped while the storm threads are
// still spawning and aborting: every future is still dropped exactly once,
// and nothing hangs.
#[test]
fn storms_racing_runtime_drop_drop_every_future_exactly_once() {
    const THREADS: usize = 4;
    let per_thread = 2_000 * scale();
    let drops = DropCounter::default();
    let spawned = Arc::new(AtomicUsize::new(0));
    let (d, s) = (drops.clone(), spawned.clone());
    within(300, move || {
        let rt = rt::multi(2);
        let barrier = Arc::new(std::sync::Barrier::new(THREADS + 1));
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let handle = rt.handle().clone();
                let drops = d.clone();
                let spawned = s.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    let mut handles = Vec::new();
                    for i in 0..per_thread {
                        if i == per_thread / 4 {
                            barrier.wait();
                        }
                        let h = if (i + t) % 2 == 0 {
                            handle.spawn(pending_tracked(drops.track()))
                        } else {
                            let t = drops.track();
                            handle.spawn(async move {
                                short_tracked(t, i % 3).await;
                            })
                        };
                        spawned.fetch_add(1, SeqCst);
                        if i % 3 == 0 {
                            h.abort();
                        }
                        handles.push(h);
                    }
                    // Every handle resolves (finished, or cancelled by the
                    // abort or the shutdown): none may hang.
                    futures::executor::block_on(async {
                        for h in handles {
                            let _ = h.await;
                        }
                    });
                })
            })
            .collect();
        barrier.wait();
        drop(rt);
        for t in threads {
            t.join().unwrap();
        }
    });
    let total = spawned.load(SeqCst);
    assert_eq!(total, THREADS * per_thread);
    wait_until(|| drops.get() >= total);
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(drops.get(), total);
}
