//! asyncio's combinators from the user's side: gather, try_gather,
//! as_completed, wait, wait_for. (JoinSet and TaskGroup: `task_structured.rs`.)

mod common;
use common::*;
use futures::StreamExt;
use runtime::task::{self, ReturnWhen};
use runtime_core::time::sleep;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Sleeps `n` ms, then returns `n`.
async fn nap(n: u64) -> u64 {
    sleep(ms(n)).await;
    n
}

/// Counts its polls into a shared counter and forwards to `inner`.
struct CountPolls<F> {
    polls: Arc<AtomicUsize>,
    inner: F,
}

impl<F: Future + Unpin> Future for CountPolls<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, SeqCst);
        Pin::new(&mut self.inner).poll(cx)
    }
}

// ---- gather ----------------------------------------------------------------

both_flavors!(
    gather_runs_sleeps_concurrently_and_keeps_input_order,
    |rt| {
        let start = Instant::now();
        let out = rt.block_on(task::gather([nap(300), nap(200), nap(100)]));
        let took = start.elapsed();
        assert_eq!(out, [300, 200, 100]);
        assert!(
            took >= ms(300),
            "finished before the longest sleep: {took:?}"
        );
        assert!(took < ms(550), "ran one after another? {took:?}");
    }
);

both_flavors!(
    gather_of_join_handles_returns_each_result_including_a_panic,
    |rt| {
        let out = rt.block_on(async {
            let handles = vec![
                runtime::spawn(async { 1 }),
                runtime::spawn(async { panic!("task 1 fails") }),
                runtime::spawn(async {
                    task::yield_now().await;
                    3
                }),
            ];
            task::gather(handles).await
        });
        assert_eq!(out.len(), 3);
        assert_eq!(*out[0].as_ref().unwrap(), 1);
        let err = out[1].as_ref().unwrap_err();
        assert!(err.is_panic());
        assert_eq!(*out[2].as_ref().unwrap(), 3);
    }
);

both_flavors!(gather_polls_only_the_woken_futures, |rt| {
    // n futures, each woken once: 2 polls each (pending, then ready), never
    // a sweep over all n per wake-up.
    const N: usize = 1_000;
    let polls = Arc::new(AtomicUsize::new(0));
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..N).map(|_| futures::channel::oneshot::channel()).unzip();
    let futs: Vec<_> = rxs
        .into_iter()
        .map(|rx| CountPolls {
            polls: polls.clone(),
            inner: rx,
        })
        .collect();
    let out = rt.block_on(async {
        let wake_one_by_one = async {
            for (i, tx) in txs.into_iter().enumerate() {
                tx.send(i).unwrap();
                task::yield_now().await;
            }
        };
        futures::future::join(task::gather(futs), wake_one_by_one)
            .await
            .0
    });
    let out: Vec<usize> = out.into_iter().map(Result::unwrap).collect();
    assert_eq!(out, (0..N).collect::<Vec<_>>());
    assert_eq!(polls.load(SeqCst), 2 * N);
});

#[test]
fn gather_of_nothing_is_an_empty_vec() {
    let rt = rt::current();
    let out = rt.block_on(task::gather(Vec::<std::future::Ready<u8>>::new()));
    assert!(out.is_empty());
}

#[test]
fn gather_runs_borrowing_non_send_futures_in_the_caller() {
    // Nothing is spawned, so the futures may borrow locals and hold an Rc.
    let rt = rt::current();
    let words = ["a", "bb", "ccc"];
    let shared = std::rc::Rc::new(10);
    let out = rt.block_on(task::gather(words.iter().map(|w| {
        let shared = shared.clone();
        async move {
            task::yield_now().await;
            w.len() + *shared
        }
    })));
    assert_eq!(out, [11, 12, 13]);
}

// ---- try_gather ------------------------------------------------------------

both_flavors!(
    try_gather_returns_the_first_error_and_drops_the_slow_sibling_once,
    |rt| {
        let drops = DropCounter::default();
        let tracked = drops.track();
        let start = Instant::now();
        let out: Result<Vec<u64>, &str> = rt.block_on(async {
            type Job = Pin<Box<dyn Future<Output = Result<u64, &'static str>>>>;
            let slow: Job = Box::pin(async move {
                let _t = tracked;
                sleep(Duration::from_secs(30)).await;
                Ok(1)
            });
            let failing: Job = Box::pin(async {
                sleep(ms(10)).await;
                Err("boom")
            });
            let quick: Job = Box::pin(async { Ok(3) });
            let res = task::try_gather(vec![slow, failing, quick]).await;
            // Dropped by the time the error comes back, not later.
            assert_eq!(drops.get(), 1);
            res
        });
        assert_eq!(out, Err("boom"));
        assert_eq!(drops.get(), 1);
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "waited for the slow one"
        );
    }
);

both_flavors!(try_gather_of_oks_keeps_input_order, |rt| {
    let out = rt.block_on(task::try_gather(
        [300u64, 100, 200].map(|n| async move { Ok::<_, String>(nap(n).await) }),
    ));
    assert_eq!(out, Ok(vec![300, 100, 200]));
});

// ---- as_completed ----------------------------------------------------------

both_flavors!(as_completed_yields_indices_in_completion_order, |rt| {
    let out: Vec<(usize, u64)> =
        rt.block_on(task::as_completed([nap(300), nap(100), nap(200)]).collect());
    assert_eq!(out, [(1, 100), (2, 200), (0, 300)]);
});

/// Counts the futures alive: made by the lazy iterator, not dropped yet.
struct Alive {
    now: Arc<AtomicUsize>,
}

impl Alive {
    fn new(now: &Arc<AtomicUsize>, max: &AtomicUsize) -> Alive {
        let n = now.fetch_add(1, SeqCst) + 1;
        max.fetch_max(n, SeqCst);
        Alive { now: now.clone() }
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        self.now.fetch_sub(1, SeqCst);
    }
}

both_flavors!(
    as_completed_with_limit_keeps_at_most_64_alive_over_a_million,
    |rt| {
        const N: u64 = 1_000_000;
        let now = Arc::new(AtomicUsize::new(0));
        let max = Arc::new(AtomicUsize::new(0));
        let (sum, count) = rt.block_on(async {
            let futs = (0..N).map(|i| {
                let alive = Alive::new(&now, &max);
                async move {
                    let _alive = alive;
                    if i % 4 == 0 {
                        task::yield_now().await;
                    }
                    i
                }
            });
            task::as_completed(futs)
                .limit(64)
                .fold((0u64, 0u64), |(sum, count), (idx, i)| {
                    assert_eq!(idx as u64, i);
                    async move { (sum + i, count + 1) }
                })
                .await
        });
        assert_eq!(count, N);
        assert_eq!(sum, N * (N - 1) / 2);
        assert_eq!(now.load(SeqCst), 0, "a future was leaked");
        let max = max.load(SeqCst);
        assert!(max <= 64, "{max} futures alive at once");
        assert!(max >= 2, "the limit ran them one by one ({max})");
    }
);

#[test]
fn as_completed_pulls_its_inputs_lazily() {
    let rt = rt::current();
    let pulled = AtomicUsize::new(0);
    let futs = (0..100).map(|i| {
        pulled.fetch_add(1, SeqCst);
        async move { i }
    });
    let mut stream = task::as_completed(futs).limit(8);
    assert_eq!(pulled.load(SeqCst), 0, "pulled before the first poll");
    assert!(format!("{stream:?}").contains("limit: 8"));
    let first = rt.block_on(stream.next());
    assert_eq!(first, Some((0, 0)));
    assert_eq!(pulled.load(SeqCst), 8);
    assert_eq!(stream.in_flight(), 7);
    let rest: Vec<_> = rt.block_on(stream.collect());
    assert_eq!(rest.len(), 99);
    assert_eq!(pulled.load(SeqCst), 100);
}

#[test]
fn as_completed_of_nothing_ends_at_once() {
    let rt = rt::current();
    let mut stream = task::as_completed(Vec::<std::future::Ready<u8>>::new());
    assert_eq!(rt.block_on(stream.next()), None);
    assert!(futures::stream::FusedStream::is_terminated(&stream));
}

#[test]
#[should_panic(expected = "limit must be at least 1")]
fn as_completed_limit_zero_panics() {
    let _ = task::as_completed([async {}]).limit(0);
}

// ---- wait ------------------------------------------------------------------

both_flavors!(
    wait_first_completed_returns_the_first_and_leaves_the_rest_running,
    |rt| {
        let ran = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let handles: Vec<_> = [400, 50, 300]
                .into_iter()
                .map(|n| {
                    let ran = ran.clone();
                    runtime::spawn(async move {
                        let n = nap(n).await;
                        ran.fetch_add(1, SeqCst);
                        n
                    })
                })
                .collect();
            let (done, pending) = task::wait(handles, ReturnWhen::FirstCompleted, None).await;
            assert_eq!(done.len(), 1);
            assert_eq!(done[0].0, 1);
            assert_eq!(*done[0].1.as_ref().unwrap(), 50);
            let idx: Vec<usize> = pending.iter().map(|(i, _)| *i).collect();
            assert_eq!(idx, [0, 2]);
            // The pending ones were not cancelled: they run to completion.
            for (i, h) in pending {
                assert_eq!(h.await.unwrap(), [400, 50, 300][i]);
            }
        });
        assert_eq!(ran.load(SeqCst), 3);
    }
);

both_flavors!(
    wait_first_exception_returns_on_a_panic_and_leaves_the_rest_running,
    |rt| {
        rt.block_on(async {
            let handles = vec![
                runtime::spawn(async { 0u64 }),
                runtime::spawn(async {
                    sleep(ms(50)).await;
                    panic!("task 1 fails");
                }),
                runtime::spawn(nap(400)),
            ];
            let (done, pending) = task::wait(handles, ReturnWhen::FirstException, None).await;
            let idx: Vec<usize> = done.iter().map(|(i, _)| *i).collect();
            assert_eq!(idx, [0, 1]);
            assert_eq!(*done[0].1.as_ref().unwrap(), 0);
            assert!(done[1].1.as_ref().unwrap_err().is_panic());
            assert_eq!(pending.len(), 1);
            let (i, h) = pending.into_iter().next().unwrap();
            assert_eq!(i, 2);
            assert!(!h.is_finished());
            assert_eq!(h.await.unwrap(), 400);
        });
    }
);

both_flavors!(wait_first_exception_without_errors_waits_for_all, |rt| {
    let (done, pending) = rt.block_on(async {
        let handles = [30, 10, 20].map(|n| runtime::spawn(nap(n))).into();
        task::wait(handles, ReturnWhen::FirstException, None).await
    });
    assert!(pending.is_empty());
    // All of them, whatever the order: sleeps 10 ms apart may fire in one
    // batch on a loaded machine and finish in either order on two workers.
    let mut got: Vec<(usize, u64)> = done.into_iter().map(|(i, r)| (i, r.unwrap())).collect();
    got.sort();
    assert_eq!(got, [(0, 30), (1, 10), (2, 20)]);
});

both_flavors!(
    wait_with_a_timeout_returns_done_and_pending_and_leaves_them_running,
    |rt| {
        rt.block_on(async {
            let handles = vec![
                runtime::spawn(nap(2_000)),
                runtime::spawn(nap(10)),
                runtime::spawn(nap(2_000)),
            ];
            let start = Instant::now();
            let (done, pending) =
                task::wait(handles, ReturnWhen::AllCompleted, Some(ms(200))).await;
            let took = start.elapsed();
            assert!(took >= ms(200), "returned before the timeout: {took:?}");
            assert!(took < ms(1_500), "timeout ignored: {took:?}");
            assert_eq!(done.len(), 1);
            assert_eq!(done[0].0, 1);
            assert_eq!(*done[0].1.as_ref().unwrap(), 10);
            let idx: Vec<usize> = pending.iter().map(|(i, _)| *i).collect();
            assert_eq!(idx, [0, 2]);
            for (_, h) in &pending {
                assert!(!h.is_finished());
            }
            for (_, h) in pending {
                assert_eq!(h.await.unwrap(), 2_000);
            }
        });
    }
);

both_flavors!(wait_all_completed_returns_everything_done, |rt| {
    let (done, pending) = rt.block_on(async {
        let handles = (0..50u64).map(|i| runtime::spawn(nap(i % 7))).collect();
        task::wait(
            handles,
            ReturnWhen::AllCompleted,
            Some(Duration::from_secs(60)),
        )
        .await
    });
    assert!(pending.is_empty());
    let mut idx: Vec<usize> = done.iter().map(|(i, _)| *i).collect();
    idx.sort();
    assert_eq!(idx, (0..50).collect::<Vec<_>>());
    for (i, r) in done {
        assert_eq!(r.unwrap(), i as u64 % 7);
    }
});

#[test]
fn wait_on_nothing_returns_two_empty_lists() {
    let rt = rt::current();
    for when in [
        ReturnWhen::AllCompleted,
        ReturnWhen::FirstCompleted,
        ReturnWhen::FirstException,
    ] {
        let (done, pending) =
            rt.block_on(task::wait(Vec::<task::JoinHandle<()>>::new(), when, None));
        assert!(done.is_empty() && pending.is_empty());
    }
}

// ---- wait_for --------------------------------------------------------------

both_flavors!(wait_for_returns_the_result_in_time, |rt| {
    let out = rt.block_on(async {
        let h = runtime::spawn(nap(10));
        task::wait_for(Duration::from_secs(30), h).await
    });
    assert_eq!(out.unwrap().unwrap(), 10);
});

both_flavors!(wait_for_passes_a_task_error_through, |rt| {
    let out = rt.block_on(async {
        let h = runtime::spawn(async { panic!("inner") });
        task::wait_for(Duration::from_secs(30), h).await
    });
    assert!(out.unwrap().unwrap_err().is_panic());
});

both_flavors!(
    wait_for_aborts_on_expiry_and_the_task_future_is_dropped,
    |rt| {
        let drops = DropCounter::default();
        let polls = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let t = drops.track();
            let p = polls.clone();
            let f = finished.clone();
            let h = runtime::spawn(async move {
                let _t = t;
                p.fetch_add(1, SeqCst);
                sleep(Duration::from_secs(30)).await;
                f.fetch_add(1, SeqCst);
            });
            let start = Instant::now();
            let out = task::wait_for(ms(50), h).await;
            assert!(out.is_err(), "{out:?}");
            assert!(start.elapsed() >= ms(50));
            // The cancellation has taken effect by the time Elapsed comes back.
            assert_eq!(drops.get(), 1);
        });
        assert_eq!(polls.load(SeqCst), 1);
        assert_eq!(finished.load(SeqCst), 0);
        assert_eq!(drops.get(), 1);
    }
);

both_flavors!(wait_for_aborts_a_task_that_is_never_woken, |rt| {
    let polls = Arc::new(AtomicUsize::new(0));
    let err = rt.block_on(async {
        let h = runtime::spawn(Forever {
            polls: polls.clone(),
        });
        task::wait_for(ms(20), h).await.unwrap_err()
    });
    assert_eq!(err.to_string(), "deadline has elapsed");
    assert_eq!(polls.load(SeqCst), 1);
});
