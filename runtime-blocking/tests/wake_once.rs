//! Completion wakes the awaiting task's waker exactly once.
#![cfg(not(loom))]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use runtime_blocking::BlockingPool;

struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn wait_until(mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn waker_is_woken_exactly_once() {
    let pool = BlockingPool::new(1);
    let (release, wait) = mpsc::channel::<()>();
    let mut h = pool.spawn(move || {
        wait.recv().unwrap();
        5
    });
    let count = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(count.clone());
    let mut cx = Context::from_waker(&waker);
    assert!(Pin::new(&mut h).poll(&mut cx).is_pending());
    assert!(Pin::new(&mut h).poll(&mut cx).is_pending()); // re-poll: same waker kept
    release.send(()).unwrap();
    wait_until(|| count.0.load(SeqCst) >= 1);
    assert!(matches!(Pin::new(&mut h).poll(&mut cx), Poll::Ready(Ok(5))));
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(count.0.load(SeqCst), 1);
}

#[test]
fn only_the_latest_waker_is_woken() {
    let pool = BlockingPool::new(1);
    let (release, wait) = mpsc::channel::<()>();
    let mut h = pool.spawn(move || wait.recv().unwrap());
    let first = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let second = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let w1 = Waker::from(first.clone());
    let w2 = Waker::from(second.clone());
    assert!(Pin::new(&mut h)
        .poll(&mut Context::from_waker(&w1))
        .is_pending());
    assert!(Pin::new(&mut h)
        .poll(&mut Context::from_waker(&w2))
        .is_pending());
    release.send(()).unwrap();
    wait_until(|| second.0.load(SeqCst) == 1);
    assert!(Pin::new(&mut h)
        .poll(&mut Context::from_waker(&w2))
        .is_ready());
    assert_eq!(first.0.load(SeqCst), 0);
    assert_eq!(second.0.load(SeqCst), 1);
}

#[test]
fn abort_wakes_the_awaiting_task() {
    let pool = BlockingPool::new(1);
    let (release, wait) = mpsc::channel::<()>();
    let _blocker = pool.spawn(move || wait.recv().unwrap());
    let mut h = pool.spawn(|| ());
    let count = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(count.clone());
    assert!(Pin::new(&mut h)
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    h.abort_handle().abort();
    assert_eq!(count.0.load(SeqCst), 1);
    match Pin::new(&mut h).poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
        _ => panic!("expected a cancellation"),
    }
    release.send(()).unwrap();
}
