//! loom models of the readiness protocol ([`crate::reactor::scheduled_io`]) and
//! the reactor's event delivery ([`crate::reactor`]), on the loom stand-in of
//! the OS poller ([`crate::reactor::sys`]): the real `ScheduledIo`,
//! `Registration` and `Driver::turn`.

use crate::io::{Interest, Ready};
use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::{thread, Arc};
use crate::reactor::{Direction, Driver, Handle, Registration};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

struct Count(AtomicUsize);
impl Wake for Count {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counting_waker() -> (std::sync::Arc<Count>, Waker) {
    let c = std::sync::Arc::new(Count(AtomicUsize::new(0)));
    (c.clone(), Waker::from(c))
}

fn setup() -> (Driver, Arc<Handle>, Registration) {
    let (driver, handle) = Driver::new().unwrap();
    let handle = Arc::new(handle);
    // loom's stand-in ignores the descriptor.
    let reg = Registration::new(handle.clone(), 0, Interest::READABLE).unwrap();
    (driver, handle, reg)
}

/// The token the driver gave the first registration.
const FIRST: usize = 0;

/// Catches: an event landing between a task's readiness check and the store
/// of its waker being lost — without the second read after the store, the
/// task neither sees the event nor is woken (it would sleep forever).
#[test]
fn loom_event_vs_waker_store() {
    loom::model(|| {
        let (mut driver, handle, reg) = setup();
        let h = handle.clone();
        let d = thread::spawn(move || {
            h.inject(FIRST, Ready::READABLE);
            driver.turn(&h, Some(Duration::ZERO));
        });
        let (count, waker) = counting_waker();
        let res = reg.poll_ready(&mut Context::from_waker(&waker), Direction::Read);
        d.join().unwrap();
        assert!(
            res.is_ready() || count.0.load(SeqCst) == 1,
            "the event was neither seen nor did it wake the task"
        );
    });
}

/// Catches: a `WouldBlock` clearing readiness that a newer event just set
/// (edge-triggered: the OS will not report it again). The clear must check
/// the tick; otherwise the task waits forever with data to read.
#[test]
fn loom_clear_readiness_vs_newer_event() {
    loom::model(|| {
        let (mut driver, handle, reg) = setup();
        handle.inject(FIRST, Ready::READABLE);
        driver.turn(&handle, Some(Duration::ZERO));
        let h = handle.clone();
        let d = thread::spawn(move || {
            // New data arrives (a second edge).
            h.inject(FIRST, Ready::READABLE);
            driver.turn(&h, Some(Duration::ZERO));
        });
        let (count, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let seen = match reg.poll_ready(&mut cx, Direction::Read) {
            Poll::Ready(Ok(ev)) => ev,
            other => panic!("the first event made it ready: {other:?}"),
        };
        // The read found nothing yet (`WouldBlock`): clear what we saw.
        reg.clear_readiness(seen);
        let again = reg.poll_ready(&mut cx, Direction::Read);
        d.join().unwrap();
        assert!(
            again.is_ready() || count.0.load(SeqCst) == 1,
            "the newer event was cleared away"
        );
    });
}

/// Catches: an event still in flight for a closed resource reaching the
/// resource that reused its slot (a token without a generation): the new
/// resource would see readiness that was never its own.
#[test]
fn loom_deregister_vs_in_flight_event() {
    loom::model(|| {
        let (mut driver, handle, old) = setup();
        handle.inject(FIRST, Ready::READABLE);
        let h = handle.clone();
        let d = thread::spawn(move || {
            driver.turn(&h, Some(Duration::ZERO));
        });
        drop(old);
        let new = Registration::new(handle.clone(), 0, Interest::READABLE).unwrap();
        d.join().unwrap();
        let (_, waker) = counting_waker();
        let res = new.poll_ready(&mut Context::from_waker(&waker), Direction::Read);
        assert!(res.is_pending(), "a stale event reached the new resource");
    });
}

/// Catches: shutdown racing a task that is about to wait — the task must be
/// woken (or see the shutdown at once), then get an error, never hang. Also
/// that shutdown sets its bit before waking (a task woken first would look,
/// see nothing, and wait again with nobody left to wake it).
#[test]
fn loom_shutdown_vs_parked_waiter() {
    loom::model(|| {
        let (_driver, handle, reg) = setup();
        let h = handle.clone();
        let s = thread::spawn(move || h.shutdown());
        let (count, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let first = reg.poll_ready(&mut cx, Direction::Read);
        s.join().unwrap();
        if first.is_pending() {
            assert_eq!(count.0.load(SeqCst), 1, "the waiter was not woken");
        }
        let res = reg.poll_ready(&mut cx, Direction::Read);
        assert!(matches!(res, Poll::Ready(Err(_))), "{res:?}");
    });
}
