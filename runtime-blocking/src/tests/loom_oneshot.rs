//! loom models of the oneshot completion ([`crate::oneshot`]).

use std::task::Poll;

use super::{poll_once, CountingWaker};
use crate::loom::atomic::{AtomicU64, Ordering::SeqCst};
use crate::loom::{thread, Arc};
use crate::oneshot::{channel, AbortRef, AbortTarget};
use crate::Id;

/// Counts its drops, so a model can see a value leaked or dropped twice.
struct Tracked(Arc<AtomicU64>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Bug caught: the sender storing its value after the receiver is gone, or
/// the receiver's drop missing a value stored just before it. Either way the
/// value would live on in the cell for as long as an abort handle keeps the
/// cell alive (a leak), instead of being dropped exactly once right away.
#[test]
fn loom_send_vs_receiver_drop() {
    loom::model(|| {
        let drops = Arc::new(AtomicU64::new(0));
        let (tx, rx) = channel::<Tracked>(Id::next());
        let abort_handle = AbortRef(rx.inner().clone());
        let d = drops.clone();
        let sender = thread::spawn(move || {
            assert!(tx.start());
            // A refused value comes back and is dropped here, outside the lock.
            let _ = tx.send(Ok(Tracked(d)));
        });
        drop(rx);
        sender.join().unwrap();
        assert_eq!(
            drops.load(SeqCst),
            1,
            "the value must be dropped exactly once"
        );
        assert!(abort_handle.is_finished());
    });
}

/// Bug caught: a lost wake-up (the receiver registers its waker just after the
/// sender looked for one, and nobody ever wakes it), or a double wake. The
/// send may land between the poll's two looks (while it clones its waker
/// outside the lock): then the second look must return the value.
#[test]
fn loom_send_vs_waker_registration() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u32>(Id::next());
        let sender = thread::spawn(move || {
            assert!(tx.start());
            assert!(tx.send(Ok(7)).is_ok());
        });
        let (count, waker) = CountingWaker::new();
        let first = poll_once(&mut rx, &waker);
        sender.join().unwrap();
        match first {
            Poll::Ready(v) => {
                assert_eq!(v.unwrap(), 7);
                assert_eq!(
                    count.count(),
                    0,
                    "woken although the value was already there"
                );
            }
            Poll::Pending => {
                assert_eq!(
                    count.count(),
                    1,
                    "a pending receiver must be woken exactly once"
                );
                assert!(matches!(poll_once(&mut rx, &waker), Poll::Ready(Ok(7))));
                assert_eq!(count.count(), 1);
            }
        }
    });
}

/// Bug caught: the sender waking a stale waker (the one from the first poll)
/// while the task now waits on the one from the second poll, or waking both.
#[test]
fn loom_waker_replaced_while_sending() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u32>(Id::next());
        let sender = thread::spawn(move || {
            assert!(tx.send(Ok(1)).is_ok());
        });
        let (c1, w1) = CountingWaker::new();
        let (c2, w2) = CountingWaker::new();
        let first = poll_once(&mut rx, &w1);
        let second = if first.is_pending() {
            Some(poll_once(&mut rx, &w2))
        } else {
            None
        };
        sender.join().unwrap();
        match (first, second) {
            (Poll::Ready(_), _) => assert_eq!((c1.count(), c2.count()), (0, 0)),
            (Poll::Pending, Some(Poll::Ready(_))) => {
                // Sent between the polls: only the first waker was current.
                assert_eq!((c1.count(), c2.count()), (1, 0));
            }
            (Poll::Pending, Some(Poll::Pending)) => {
                // Sent after the second poll: only the second waker counts.
                assert_eq!((c1.count(), c2.count()), (0, 1));
                assert!(poll_once(&mut rx, &w2).is_ready());
            }
            (Poll::Pending, None) => unreachable!(),
        }
    });
}

/// Bug caught: an abort that lands between `start` and `send` being treated
/// as a cancellation (the handle would report "cancelled" for a job whose
/// closure ran), or a completion overwriting the abort's cancellation.
#[test]
fn loom_abort_vs_start() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u32>(Id::next());
        let inner = rx.inner().clone();
        let runner = thread::spawn(move || {
            if tx.start() {
                assert!(tx.send(Ok(5)).is_ok());
                true
            } else {
                assert!(tx.send(Ok(5)).is_err());
                false
            }
        });
        let aborted = inner.abort();
        let ran = runner.join().unwrap();
        assert_ne!(aborted, ran, "exactly one of abort and start wins");
        let (_, waker) = CountingWaker::new();
        match poll_once(&mut rx, &waker) {
            Poll::Ready(Ok(5)) => assert!(ran),
            Poll::Ready(Err(e)) => assert!(e.is_cancelled() && aborted),
            other => panic!("unexpected {:?}", other.map(|r| r.is_ok())),
        }
    });
}
