//! The oneshot completion that carries one job's result back to its handle.
//!
//! One [`Inner`] per job, shared (one `Arc`) by three parties:
//!
//! * the [`Sender`], owned by the job in the queue and then by the pool thread
//!   running it;
//! * the [`Receiver`], inside the user's `BlockingHandle` (a future);
//! * any number of abort handles ([`AbortRef`]), which may abort but never
//!   receive.
//!
//! # States
//!
//! ```text
//!            start (thread picks the job up)        send
//! Pending ─────────────────────────────────► Running ─────► Done(v) ──► Taken
//!    │                                                       ▲   poll      ▲
//!    └── abort / cancel / Sender dropped ── Done(Err(cancelled))          │
//!                                                                          │
//!      any completion while the Receiver is gone ──────────────────────────┘
//! ```
//!
//! * `Pending`: queued; the closure has not started. `abort` (receiver side),
//!   `cancel` (pool shutdown, failed thread start) and dropping the `Sender`
//!   all complete it with a cancellation, and then the closure never runs:
//!   `start` refuses a completed cell.
//! * `Running`: `start` succeeded; the closure is running and nothing can stop
//!   it. `abort` is a no-op here; only `send` (or the `Sender`'s drop, if the
//!   thread unwound past it) completes it.
//! * `Done(v)`: the value waits for the receiver.
//! * `Taken`: the value was received, or was dropped because nobody can
//!   receive it any more. Terminal.
//!
//! So the value is stored at most once (only a transition out of
//! `Pending`/`Running` stores it) and received at most once (only `Done`
//! yields it). If the receiver is gone when the value arrives, the value is
//! not stored: the cell goes straight to `Taken` and the value is handed back
//! to the caller to drop, outside the lock.
//!
//! # Wake-ups
//!
//! The receiver's waker lives beside the stage, under the same lock. A
//! completion takes the waker *in the same critical section* in which it
//! stores the value. A poll looks twice:
//!
//! 1. Under the lock: the value is there (take it), or a stored waker
//!    `will_wake` the same task (nothing to store: done). Otherwise it
//!    releases the lock and clones its waker: `clone` is user code, which
//!    may panic or even look at this handle, so it must not run under the
//!    lock (a panic there would poison it; a look would deadlock).
//! 2. Under the lock again: the value is there (a completion landed while it
//!    cloned: take it, and drop the clone after unlocking), or it stores the
//!    clone (dropping the one from an earlier poll after unlocking) *in the
//!    same critical section* in which it saw no value.
//!
//! Either look that returns `Pending` saw no value and left a waker for this
//! task stored, in one critical section. The lock orders that section and
//! the completion's, so either the poll sees the value, or the completion
//! sees the waker: no lost wake-up. Only the one transition out of
//! `Pending`/`Running` takes the waker, so it is woken exactly once, and it
//! is woken after the lock is released (a waker may run arbitrary executor
//! code, even poll the receiver again on this very thread).
//!
//! # Why a mutex
//!
//! This crate has no `unsafe`, so the value slot cannot be an `UnsafeCell`
//! published by an atomic state word; some lock must guard it anyway. One
//! uncontended lock per operation (a handful per job) costs tens of
//! nanoseconds against the microseconds a job hand-off costs, and keeps the
//! protocol small enough to check by reading it. No lock is held while user
//! code runs: not the closure, not a waker's `clone`, `wake` or `drop`, not
//! the `Drop` of a value or of a panic payload.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::error::{Id, JoinError};
use crate::loom::{lock, Arc, Mutex};

/// The result a job delivers: its value, its panic, or its cancellation.
pub(crate) type Outcome<T> = Result<T, JoinError>;

/// The shared cell of one job's completion.
pub(crate) struct Inner<T> {
    /// The job's id, for the errors made on its behalf. Immutable.
    id: Id,
    /// Everything mutable, under one lock (see the module docs).
    slot: Mutex<Slot<T>>,
}

struct Slot<T> {
    /// Where the job is in its life; moves only forward (module docs).
    stage: Stage<T>,
    /// The waker of the last poll that returned `Pending`. Only ever set while
    /// `stage` is `Pending` or `Running`; taken (and woken) by the transition
    /// to `Done`, or dropped with the receiver.
    waker: Option<Waker>,
    /// False once the `Receiver` is dropped; then no value is ever stored.
    rx_alive: bool,
}

enum Stage<T> {
    Pending,
    Running,
    Done(Outcome<T>),
    Taken,
}

impl<T> Slot<T> {
    /// `Done` becomes `Taken`, giving the outcome; any other stage stays.
    fn take_done(&mut self) -> Option<Outcome<T>> {
        match std::mem::replace(&mut self.stage, Stage::Taken) {
            Stage::Done(value) => Some(value),
            stage => {
                self.stage = stage;
                None
            }
        }
    }
}

/// Creates the completion for the job `id`.
pub(crate) fn channel<T>(id: Id) -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        id,
        slot: Mutex::new(Slot {
            stage: Stage::Pending,
            waker: None,
            rx_alive: true,
        }),
    });
    (
        Sender {
            inner: Some(inner.clone()),
        },
        Receiver { inner },
    )
}

impl<T> Inner<T> {
    /// Moves a `Pending` or `Running` cell to completion with `value`, waking
    /// the receiver. Returns the value back if it is not stored: the cell was
    /// already complete, or nobody can receive it.
    fn complete(&self, value: Outcome<T>) -> Result<(), Outcome<T>> {
        let mut slot = lock(&self.slot);
        if !matches!(slot.stage, Stage::Pending | Stage::Running) {
            return Err(value);
        }
        if !slot.rx_alive {
            slot.stage = Stage::Taken;
            return Err(value);
        }
        slot.stage = Stage::Done(value);
        let waker = slot.waker.take();
        drop(slot);
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Cancels the job if it has not started. True if it will never run.
    pub(crate) fn abort(&self) -> bool {
        let mut slot = lock(&self.slot);
        if !matches!(slot.stage, Stage::Pending) {
            return false;
        }
        let waker = slot.waker.take();
        slot.stage = if slot.rx_alive {
            Stage::Done(Err(JoinError::cancelled(self.id)))
        } else {
            Stage::Taken
        };
        drop(slot);
        if let Some(waker) = waker {
            waker.wake();
        }
        true
    }

    /// True once a result (value, panic or cancellation) exists.
    pub(crate) fn is_finished(&self) -> bool {
        matches!(lock(&self.slot).stage, Stage::Done(_) | Stage::Taken)
    }

    pub(crate) fn id(&self) -> Id {
        self.id
    }
}

/// The job's side: start once, then send once.
pub(crate) struct Sender<T> {
    /// `None` once sent; `Drop` completes with a cancellation otherwise.
    inner: Option<Arc<Inner<T>>>,
}

impl<T> Sender<T> {
    fn inner(&self) -> &Inner<T> {
        self.inner
            .as_ref()
            .expect("oneshot sender used after sending")
    }

    /// A pool thread picked the job up: `Pending -> Running`. False if the
    /// job was already completed (aborted or cancelled): then the closure
    /// must not run.
    pub(crate) fn start(&self) -> bool {
        let mut slot = lock(&self.inner().slot);
        match slot.stage {
            Stage::Pending => {
                slot.stage = Stage::Running;
                true
            }
            _ => false,
        }
    }

    /// Delivers the job's outcome. Returns it back if nobody will receive it;
    /// the caller drops it (outside any lock).
    pub(crate) fn send(mut self, value: Outcome<T>) -> Result<(), Outcome<T>> {
        let inner = self
            .inner
            .take()
            .expect("oneshot sender used after sending");
        inner.complete(value)
    }

    /// Completes a job that will not run with a cancellation carrying
    /// `reason`. No effect if it already completed (e.g. it was aborted).
    pub(crate) fn cancel(mut self, reason: &str) {
        let inner = self
            .inner
            .take()
            .expect("oneshot sender used after sending");
        // Build the error only if it can be delivered.
        let live = {
            let slot = lock(&inner.slot);
            matches!(slot.stage, Stage::Pending | Stage::Running) && slot.rx_alive
        };
        let err = if live {
            JoinError::cancelled_with(inner.id, reason)
        } else {
            JoinError::cancelled(inner.id)
        };
        drop(inner.complete(Err(err)));
    }

    pub(crate) fn id(&self) -> Id {
        self.inner().id
    }
}

impl<T> Drop for Sender<T> {
    /// A job dropped without sending (its queue dropped, or a thread unwound
    /// past it) still resolves its handle: as cancelled.
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            drop(inner.complete(Err(JoinError::cancelled(inner.id))));
        }
    }
}

/// The handle's side: a future of the job's outcome; receives once.
pub(crate) struct Receiver<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Receiver<T> {
    pub(crate) fn inner(&self) -> &Arc<Inner<T>> {
        &self.inner
    }
}

impl<T> Future for Receiver<T> {
    type Output = Outcome<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome<T>> {
        // First look: the value, or a stored waker that wakes this same task.
        let mut slot = lock(&self.inner.slot);
        if let Some(value) = slot.take_done() {
            return Poll::Ready(value);
        }
        if matches!(slot.stage, Stage::Taken) {
            drop(slot);
            panic!("`BlockingHandle` polled after it returned `Poll::Ready`")
        }
        // `will_wake` compares pointers; it runs no waker code.
        if slot.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            return Poll::Pending;
        }
        drop(slot);
        // A waker's `clone` is user code: it runs with the lock released.
        let waker = cx.waker().clone();
        // Second look, in the critical section that stores the waker. While
        // this receiver lives only its own poll leaves `Done`, so the stage
        // is `Pending`, `Running` or (completed in between) `Done`.
        let mut slot = lock(&self.inner.slot);
        if let Some(value) = slot.take_done() {
            drop(slot);
            drop(waker);
            return Poll::Ready(value);
        }
        let old = slot.waker.replace(waker);
        drop(slot);
        drop(old);
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    /// Detaches: the job still runs, but will not store its result; a result
    /// already stored is dropped here.
    fn drop(&mut self) {
        let mut slot = lock(&self.inner.slot);
        slot.rx_alive = false;
        let waker = slot.waker.take();
        let value = match slot.stage {
            Stage::Done(_) => Some(std::mem::replace(&mut slot.stage, Stage::Taken)),
            _ => None,
        };
        drop(slot);
        drop(waker);
        drop(value);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("id", &self.inner.id)
            .finish_non_exhaustive()
    }
}

/// A type-erased reference to a job's completion, for abort handles.
pub(crate) trait AbortTarget: Send + Sync {
    fn abort(&self) -> bool;
    fn is_finished(&self) -> bool;
    fn id(&self) -> Id;
    fn clone_box(&self) -> Box<dyn AbortTarget>;
}

/// An abort handle's reference to the cell; it does not count as a receiver.
pub(crate) struct AbortRef<T>(pub(crate) Arc<Inner<T>>);

impl<T: Send + 'static> AbortTarget for AbortRef<T> {
    fn abort(&self) -> bool {
        self.0.abort()
    }

    fn is_finished(&self) -> bool {
        self.0.is_finished()
    }

    fn id(&self) -> Id {
        self.0.id
    }

    fn clone_box(&self) -> Box<dyn AbortTarget> {
        Box::new(AbortRef(self.0.clone()))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct CountWake(AtomicUsize);
    impl Wake for CountWake {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting_waker() -> (std::sync::Arc<CountWake>, Waker) {
        let c = std::sync::Arc::new(CountWake(AtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }

    fn poll<T>(rx: &mut Receiver<T>, w: &Waker) -> Poll<Outcome<T>> {
        Pin::new(rx).poll(&mut Context::from_waker(w))
    }

    #[test]
    fn value_sent_before_poll_is_ready_without_wake() {
        let (tx, mut rx) = channel::<u32>(Id::next());
        assert!(tx.start());
        assert!(tx.send(Ok(7)).is_ok());
        let (count, w) = counting_waker();
        assert!(matches!(poll(&mut rx, &w), Poll::Ready(Ok(7))));
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn pending_poll_is_woken_exactly_once() {
        let (tx, mut rx) = channel::<u32>(Id::next());
        let (count, w) = counting_waker();
        assert!(poll(&mut rx, &w).is_pending());
        assert!(poll(&mut rx, &w).is_pending()); // same waker: kept, not doubled
        assert!(tx.start());
        assert!(tx.send(Ok(1)).is_ok());
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(matches!(poll(&mut rx, &w), Poll::Ready(Ok(1))));
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn replaced_waker_is_the_one_woken() {
        let (tx, mut rx) = channel::<u32>(Id::next());
        let (c1, w1) = counting_waker();
        let (c2, w2) = counting_waker();
        assert!(poll(&mut rx, &w1).is_pending());
        assert!(poll(&mut rx, &w2).is_pending());
        assert!(tx.send(Ok(1)).is_ok());
        assert_eq!(c1.0.load(Ordering::SeqCst), 0);
        assert_eq!(c2.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn abort_before_start_cancels_and_start_refuses() {
        let (tx, mut rx) = channel::<u32>(Id::next());
        let (count, w) = counting_waker();
        assert!(poll(&mut rx, &w).is_pending());
        assert!(rx.inner().abort());
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(!tx.start());
        assert!(tx.send(Ok(3)).is_err());
        match poll(&mut rx, &w) {
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            other => panic!(
                "expected a cancellation, got {:?}",
                other.map(|r| r.is_ok())
            ),
        }
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn abort_after_start_is_a_no_op() {
        let (tx, mut rx) = channel::<u32>(Id::next());
        assert!(tx.start());
        assert!(!rx.inner().abort());
        assert!(!rx.inner().is_finished());
        assert!(tx.send(Ok(5)).is_ok());
        assert!(rx.inner().is_finished());
        let (_, w) = counting_waker();
        assert!(matches!(poll(&mut rx, &w), Poll::Ready(Ok(5))));
    }

    #[test]
    fn send_after_receiver_dropped_hands_the_value_back() {
        let (tx, rx) = channel::<String>(Id::next());
        let abort = AbortRef(rx.inner().clone());
        drop(rx);
        assert!(tx.start());
        assert_eq!(tx.send(Ok("x".into())).unwrap_err().unwrap(), "x");
        assert!(abort.is_finished());
    }

    #[test]
    fn dropped_sender_resolves_as_cancelled() {
        let (tx, mut rx) = channel::<u32>(Id::next());
        let (count, w) = counting_waker();
        assert!(poll(&mut rx, &w).is_pending());
        drop(tx);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(matches!(poll(&mut rx, &w), Poll::Ready(Err(e)) if e.is_cancelled()));
    }

    #[test]
    fn cancel_carries_its_reason() {
        let (tx, mut rx) = channel::<u32>(Id::next());
        tx.cancel("the pool shut down");
        let (_, w) = counting_waker();
        match poll(&mut rx, &w) {
            Poll::Ready(Err(e)) => {
                assert!(e.is_cancelled());
                assert!(e.to_string().contains("the pool shut down"), "{e}");
            }
            _ => panic!("expected a cancellation"),
        }
    }

    #[test]
    #[should_panic(expected = "polled after it returned")]
    fn polling_after_ready_panics() {
        let (tx, mut rx) = channel::<u32>(Id::next());
        drop(tx.send(Ok(1)));
        let (_, w) = counting_waker();
        let _ = poll(&mut rx, &w);
        let _ = poll(&mut rx, &w);
    }
}
