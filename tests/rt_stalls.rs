//! One task that blocks its worker's thread does not stall the others
//! (multi-thread flavor, 2 workers). Each test holds a "blocker" inside one
//! poll until something else has run, and passes only if that happened
//! while the blocker still blocked: the blocker waits on a std channel with
//! a generous bound, and the test fails if the bound ran out. None depends
//! on a tight time: a rescue that takes longer only makes a test slower.

use std::io::{Read, Write};
use std::net::TcpStream as StdStream;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

/// How long a blocker waits for what must happen while it blocks.
const BOUND: Duration = Duration::from_secs(30);

fn rt() -> runtime::Runtime {
    runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // The slow-poll report would print for every blocker here.
        .slow_poll_threshold(None)
        .build()
        .unwrap()
}

/// Waits until every worker of `rt` is asleep, so that a scenario starts
/// from an idle runtime (as a server between requests), not from workers
/// still busy starting up and searching for work.
fn settle(rt: &runtime::Runtime) {
    let m = rt.handle().metrics();
    let deadline = std::time::Instant::now() + BOUND;
    while !(0..m.num_workers()).all(|i| m.worker_park_unpark_count(i) % 2 == 1) {
        assert!(
            std::time::Instant::now() < deadline,
            "the workers never parked"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Waits until at least one worker of `rt` is asleep.
fn one_parked(rt: &runtime::Runtime) {
    let m = rt.handle().metrics();
    let deadline = std::time::Instant::now() + BOUND;
    while !(0..m.num_workers()).any(|i| m.worker_park_unpark_count(i) % 2 == 1) {
        assert!(std::time::Instant::now() < deadline, "no worker parked");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Blocks this thread (inside a poll) until `done` says so; true if it did
/// within [`BOUND`].
fn block_until(done: &mpsc::Receiver<()>) -> bool {
    done.recv_timeout(BOUND).is_ok()
}

#[test]
fn a_ticker_ticks_while_a_task_spawned_from_a_poll_blocks() {
    let rt = rt();
    settle(&rt);
    let (tx, rx) = mpsc::channel();
    let ok = rt.block_on(async move {
        runtime::spawn(async move {
            for _ in 0..3 {
                runtime::time::sleep(Duration::from_millis(10)).await;
            }
            tx.send(()).unwrap();
        });
        // The blocker is spawned from inside a task's poll; its handle
        // travels back through a channel.
        let (handle_tx, handle_rx) = runtime::sync::oneshot::channel();
        runtime::spawn(async move {
            let _ = handle_tx.send(runtime::spawn(async move { block_until(&rx) }));
        });
        handle_rx.await.unwrap().await.unwrap()
    });
    assert!(ok, "the ticker did not tick while the blocker blocked");
}

#[test]
fn the_task_a_blocker_woke_runs_while_it_blocks() {
    // The woken task sits in the blocked worker's LIFO slot.
    let rt = rt();
    settle(&rt);
    let (tx, rx) = mpsc::channel::<()>();
    let ok = rt.block_on(async move {
        let (msg_tx, mut msg_rx) = runtime::sync::mpsc::unbounded_channel::<()>();
        let (ready_tx, ready_rx) = runtime::sync::oneshot::channel::<()>();
        runtime::spawn(async move {
            ready_tx.send(()).unwrap();
            msg_rx.recv().await;
            tx.send(()).unwrap();
        });
        ready_rx.await.unwrap();
        runtime::spawn(async move {
            msg_tx.send(()).unwrap(); // wakes the receiver into our LIFO slot
            block_until(&rx)
        })
        .await
        .unwrap()
    });
    assert!(ok, "the woken task waited for the blocker");
}

#[test]
fn a_task_spawned_into_the_lifo_slot_runs_while_its_spawner_blocks() {
    let rt = rt();
    settle(&rt);
    let ok = rt.block_on(async {
        runtime::spawn(async {
            let (tx, rx) = mpsc::channel();
            runtime::spawn(async move { tx.send(()).unwrap() });
            block_until(&rx)
        })
        .await
        .unwrap()
    });
    assert!(ok, "the spawned task waited for its spawner");
}

#[test]
fn a_task_that_yielded_behind_a_blocker_runs_while_it_blocks() {
    let rt = rt();
    settle(&rt);
    let ok = rt.block_on(async {
        runtime::spawn(async {
            let (tx, rx) = mpsc::channel();
            let blocker = runtime::spawn(async move { block_until(&rx) });
            runtime::task::yield_now().await;
            tx.send(()).unwrap();
            blocker.await.unwrap()
        })
        .await
        .unwrap()
    });
    assert!(ok, "the yielded task waited for the blocker");
}

#[test]
fn timers_of_a_task_queued_behind_a_blocker_fire_while_it_blocks() {
    use futures::stream::{FuturesUnordered, StreamExt};
    let rt = rt();
    settle(&rt);
    let ok = rt.block_on(async {
        runtime::spawn(async {
            let (tx, rx) = mpsc::channel();
            let timers = runtime::spawn(async move {
                let mut all: FuturesUnordered<_> = (0..100)
                    .map(|_| runtime::time::sleep(Duration::from_millis(50)))
                    .collect();
                while all.next().await.is_some() {}
                tx.send(()).unwrap();
            });
            let blocker = runtime::spawn(async move { block_until(&rx) });
            let ok = blocker.await.unwrap();
            timers.await.unwrap();
            ok
        })
        .await
        .unwrap()
    });
    assert!(ok, "the timers waited for the blocker");
}

/// A TCP echo server on the runtime; returns its address.
fn echo_server(
    rt: &runtime::Runtime,
    on_first: impl Fn() + Send + Sync + 'static,
) -> std::net::SocketAddr {
    let on_first = Arc::new(on_first);
    rt.block_on(async {
        let listener = runtime::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        runtime::spawn(async move {
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                let on_first = on_first.clone();
                runtime::spawn(async move {
                    use runtime::io::{AsyncReadExt, AsyncWriteExt};
                    let mut buf = [0u8; 1];
                    let mut first = true;
                    while s.read_exact(&mut buf).await.is_ok() {
                        if first {
                            on_first();
                            first = false;
                        }
                        if s.write_all(&buf).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        addr
    })
}

fn round_trip(s: &mut StdStream, b: u8) {
    s.write_all(&[b]).unwrap();
    let mut got = [0u8];
    s.read_exact(&mut got).unwrap();
    assert_eq!(got[0], b);
}

#[test]
fn a_socket_round_trip_completes_while_the_connections_spawned_task_blocks() {
    let rt = rt();
    let (release, rx) = mpsc::channel::<()>();
    let rx = Arc::new(std::sync::Mutex::new(rx));
    let (started_tx, started) = mpsc::channel::<()>();
    let (res_tx, res_rx) = mpsc::channel();
    let addr = echo_server(&rt, move || {
        let (rx, res_tx, started_tx) = (rx.clone(), res_tx.clone(), started_tx.clone());
        runtime::spawn(async move {
            started_tx.send(()).unwrap();
            let ok = block_until(&rx.lock().unwrap());
            res_tx.send(ok).unwrap();
        });
    });
    settle(&rt);
    let mut c = StdStream::connect(addr).unwrap();
    c.set_read_timeout(Some(BOUND)).unwrap();
    round_trip(&mut c, 1); // spawns the blocker
    started.recv_timeout(BOUND).unwrap();
    one_parked(&rt);
    round_trip(&mut c, 2); // must complete while it blocks
    release.send(()).unwrap();
    assert!(
        res_rx.recv_timeout(BOUND).unwrap(),
        "the blocker was not released"
    );
}

#[test]
fn a_socket_round_trip_completes_while_a_task_spawned_from_outside_blocks() {
    let rt = rt();
    let addr = echo_server(&rt, || {});
    let mut c = StdStream::connect(addr).unwrap();
    c.set_read_timeout(Some(BOUND)).unwrap();
    round_trip(&mut c, 1);
    settle(&rt);
    let (release, rx) = mpsc::channel::<()>();
    let (started_tx, started) = mpsc::channel::<()>();
    let blocker = rt.spawn(async move {
        started_tx.send(()).unwrap();
        block_until(&rx)
    });
    started.recv_timeout(BOUND).unwrap();
    round_trip(&mut c, 2);
    release.send(()).unwrap();
    assert!(rt.block_on(blocker).unwrap());
}

#[test]
fn a_third_task_runs_while_both_workers_block() {
    let rt = rt();
    settle(&rt);
    let ok = rt.block_on(async {
        let (tx, rx) = mpsc::channel::<()>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        let started = Arc::new(AtomicUsize::new(0));
        let blockers: Vec<_> = (0..2)
            .map(|_| {
                let (rx, started) = (rx.clone(), started.clone());
                runtime::spawn(async move {
                    started.fetch_add(1, SeqCst);
                    // Both wait for the one message the third task sends;
                    // the first to get it passes it on.
                    let rx = rx.lock().unwrap();
                    block_until(&rx)
                })
            })
            .collect();
        // Both workers are inside a blocker's poll before the third task
        // exists.
        while started.load(SeqCst) < 2 {
            std::thread::yield_now();
        }
        let third = runtime::spawn(async move {
            tx.send(()).unwrap();
            tx
        });
        let tx = third.await.unwrap();
        tx.send(()).unwrap();
        let mut all = true;
        for b in blockers {
            all &= b.await.unwrap();
        }
        all
    });
    assert!(ok, "the third task waited for the blocked workers");
}

#[test]
fn a_ticker_ticks_while_more_tasks_block_than_there_are_workers() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .slow_poll_threshold(None)
        .max_rescue_threads(8)
        .build()
        .unwrap();
    let ok = rt.block_on(async {
        let ticks = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel::<()>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        let blockers: Vec<_> = (0..4)
            .map(|_| {
                let rx = rx.clone();
                runtime::spawn(async move {
                    let rx = rx.lock().unwrap();
                    block_until(&rx)
                })
            })
            .collect();
        let t = ticks.clone();
        let ticker = runtime::spawn(async move {
            while t.load(SeqCst) < 5 {
                runtime::time::sleep(Duration::from_millis(10)).await;
                t.fetch_add(1, SeqCst);
            }
            for _ in 0..4 {
                tx.send(()).unwrap();
            }
        });
        let mut all = true;
        for b in blockers {
            all &= b.await.unwrap();
        }
        ticker.await.unwrap();
        all
    });
    assert!(ok, "the ticker did not tick while four tasks blocked");
}
