//! Fairness, wake-while-running, chained spawns, yields.
mod common;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

#[test]
fn a_spinning_task_does_not_stop_a_yielding_one_on_two_workers() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
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
    let rt = runtime::Builder::new_current_thread().build().unwrap();
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
