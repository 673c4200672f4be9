//! The driver against the real OS poller: a Unix socket pair, events,
//! readiness, wake-ups, stale tokens.

use super::{Direction, Driver, Registration};
use crate::io::Interest;
use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

struct Count(AtomicUsize);
impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counting_waker() -> (Arc<Count>, Waker) {
    let c = Arc::new(Count(AtomicUsize::new(0)));
    (c.clone(), Waker::from(c))
}

fn pair() -> (UnixStream, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    b.set_nonblocking(true).unwrap();
    (a, b)
}

const LONG: Option<Duration> = Some(Duration::from_secs(10));

#[test]
fn an_event_wakes_the_reader_and_wouldblock_clears_readiness() {
    let (mut driver, handle) = Driver::new().unwrap();
    let handle = Arc::new(handle);
    let (a, mut b) = pair();
    let reg = Registration::new(
        handle.clone(),
        a.as_raw_fd(),
        Interest::READABLE | Interest::WRITABLE,
    )
    .unwrap();
    // The registration's first event: writable.
    driver.turn(&handle, LONG);
    let (count, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    let read = |mut s: &UnixStream| {
        let mut buf = [0u8; 16];
        s.read(&mut buf)
    };
    assert!(reg
        .poll_io(&mut cx, Direction::Read, || read(&a))
        .is_pending());
    assert_eq!(count.0.load(SeqCst), 0);
    b.write_all(b"hello").unwrap();
    assert_eq!(driver.turn(&handle, LONG).delivered, 1);
    assert_eq!(count.0.load(SeqCst), 1, "the reader was woken once");
    assert!(matches!(
        reg.poll_io(&mut cx, Direction::Read, || read(&a)),
        Poll::Ready(Ok(5))
    ));
    // Drained: the next read says WouldBlock, clears, and waits again.
    assert!(reg
        .poll_io(&mut cx, Direction::Read, || read(&a))
        .is_pending());
    assert_eq!(handle.num_sources(), 1);
    assert!(handle.ready_count() >= 2);
}

#[test]
fn unpark_ends_a_turn_without_events() {
    let (mut driver, handle) = Driver::new().unwrap();
    let handle = Arc::new(handle);
    let h = handle.clone();
    let t = std::thread::spawn(move || h.unpark());
    assert_eq!(driver.turn(&handle, None).delivered, 0);
    t.join().unwrap();
}

#[test]
fn an_event_for_a_released_token_is_dropped() {
    let (mut driver, handle) = Driver::new().unwrap();
    let handle = Arc::new(handle);
    let (a, mut b) = pair();
    let reg = Registration::new(handle.clone(), a.as_raw_fd(), Interest::READABLE).unwrap();
    b.write_all(b"x").unwrap();
    // Released (not deregistered from the OS): the event still comes, but
    // its token names no live registration.
    drop(reg);
    let (c, d) = pair();
    let reused = Registration::new(handle.clone(), c.as_raw_fd(), Interest::READABLE).unwrap();
    assert_eq!(
        driver.turn(&handle, LONG).delivered,
        0,
        "the stale event was dropped"
    );
    let (count, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(reused.poll_ready(&mut cx, Direction::Read).is_pending());
    drop((d, reused));
    assert_eq!(count.0.load(SeqCst), 0);
}

#[test]
fn shutdown_wakes_waiters_and_fails_operations() {
    let (_driver, handle) = Driver::new().unwrap();
    let handle = Arc::new(handle);
    let (a, _b) = pair();
    let reg = Registration::new(handle.clone(), a.as_raw_fd(), Interest::READABLE).unwrap();
    let (count, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(reg.poll_ready(&mut cx, Direction::Read).is_pending());
    handle.shutdown();
    assert_eq!(count.0.load(SeqCst), 1);
    match reg.poll_ready(&mut cx, Direction::Read) {
        Poll::Ready(Err(e)) => assert!(e.to_string().contains("shut down"), "{e}"),
        other => panic!("expected the shutdown error, got {other:?}"),
    }
    let (c, _d) = pair();
    let err = Registration::new(handle.clone(), c.as_raw_fd(), Interest::READABLE).unwrap_err();
    assert!(err.to_string().contains("shut down"), "{err}");
}

#[test]
fn many_readiness_waiters_are_all_woken() {
    let (mut driver, handle) = Driver::new().unwrap();
    let handle = Arc::new(handle);
    let (a, mut b) = pair();
    let reg = Registration::new(handle.clone(), a.as_raw_fd(), Interest::READABLE).unwrap();
    let mut futs: Vec<_> = (0..3)
        .map(|_| Box::pin(reg.readiness(Interest::READABLE)))
        .collect();
    let counts: Vec<_> = futs
        .iter_mut()
        .map(|f| {
            let (count, waker) = counting_waker();
            assert!(f
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending());
            count
        })
        .collect();
    b.write_all(b"x").unwrap();
    driver.turn(&handle, LONG);
    assert!(counts.iter().all(|c| c.0.load(SeqCst) == 1));
    let (_, waker) = counting_waker();
    for f in &mut futs {
        match f.as_mut().poll(&mut Context::from_waker(&waker)) {
            Poll::Ready(Ok(ev)) => assert!(ev.ready.is_readable()),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_resource_is_described_by_its_kind_and_addresses_while_registered() {
    use super::resource_kind;
    assert_eq!(resource_kind::<std::net::TcpStream>(), "TcpStream");
    assert_eq!(resource_kind::<mio::unix::pipe::Receiver>(), "pipe");
    let (_driver, handle) = Driver::new().unwrap();
    let handle = Arc::new(handle);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let reg = Registration::with_kind(
        handle.clone(),
        listener.as_raw_fd(),
        Interest::READABLE,
        resource_kind::<std::net::TcpListener>(),
    )
    .unwrap();
    let (index, generation) = super::split_token(reg.token());
    assert_eq!(
        handle.describe(index, generation, 8).as_deref(),
        Some(&*format!("TcpListener {addr}"))
    );
    // Another generation's record does not name it.
    assert_eq!(handle.describe(index, generation + 1, 8), None);
    reg.deregister(listener.as_raw_fd()).unwrap();
    assert_eq!(handle.describe(index, generation, 8), None);
}
