//! The task state word: a handful of flag bits and a reference count packed
//! into one `AtomicUsize`, changed only through the transition methods below.
//!
//! ```text
//!  bit:   63 ........ 6 |     5     |     4      |       3       |    2     |    1     |    0
//!         ref count     | CANCELLED | JOIN_WAKER | JOIN_INTEREST | NOTIFIED | COMPLETE | RUNNING
//! ```
//!
//! * `RUNNING`: one thread owns the future (polling or cancelling it). Set by
//!   [`State::transition_to_running`] or [`State::transition_to_shutdown`],
//!   cleared by [`State::transition_to_idle`] / [`State::transition_to_complete`].
//! * `COMPLETE`: the output (or the `JoinError`) is stored; the future is gone.
//!   Never cleared.
//! * `NOTIFIED`: a `Notified` reference sits in some run queue (or is about to).
//!   At most one exists at a time: only the transition that sets this bit (while
//!   it was clear, and the task neither running nor complete) may submit one.
//! * `JOIN_INTEREST`: the `JoinHandle` is alive and will take the output.
//! * `JOIN_WAKER`: the join waker field holds a waker published by the
//!   `JoinHandle` (see the ownership rules below).
//! * `CANCELLED`: the task was aborted or its runtime shut down; whoever next
//!   holds `RUNNING` drops the future instead of polling it.
//!
//! The reference count counts: the `JoinHandle`, each `AbortHandle`, each
//! `Waker`, the queued `Notified`, and the live-task registry. The cell is freed
//! by whoever drops it to zero, after every reference into the cell it used has
//! ended (the harness in [`super::raw`] works on raw pointers for that reason).
//!
//! # Who may touch the join waker field, and when
//!
//! The join waker is the waker of whoever awaits the `JoinHandle` — often
//! another task, whose cell that waker keeps alive. Two tasks awaiting each
//! other's handles therefore hold each other's cells; unless each waker is
//! dropped as soon as nobody needs it, neither cell ever reaches a count of
//! zero (tokio #4724, #6505). So the waker lives exactly as long as the
//! `JoinHandle` wants it, and these rules say who owns the field:
//!
//! 1. `JOIN_INTEREST` set, `JOIN_WAKER` clear: the `JoinHandle` owns the field
//!    exclusively. It may write a waker and then publish it with
//!    [`State::set_join_waker`] (which fails if the task completed first; the
//!    field then stays the handle's).
//! 2. `JOIN_WAKER` set, `COMPLETE` clear: the field is shared read-only (the
//!    handle's `will_wake` check). Only the `JoinHandle` may take it back, with
//!    [`State::unset_join_waker`], which fails once `COMPLETE` is set.
//! 3. `JOIN_WAKER` set when `COMPLETE` is published: the completing thread owns
//!    the field. It wakes the waker, then clears `JOIN_WAKER` with
//!    [`State::unset_join_waker_after_complete`]. If `JOIN_INTEREST` is clear by
//!    then, the handle is gone and the completer drops the waker; otherwise the
//!    field is the handle's again (rule 1).
//! 4. Dropping the `JoinHandle` ([`State::transition_to_join_handle_dropped`])
//!    clears `JOIN_INTEREST`, and, if the task is not complete, `JOIN_WAKER` in
//!    the same step. If `JOIN_WAKER` is clear afterwards, the handle owns the
//!    field and drops the waker before giving up its reference; if it is still
//!    set, the task completed and rule 3's completer drops it.
//! 5. Nothing else touches the field. The cell's deallocation drops whatever
//!    is left in it, which by the rules above is nothing.
//!
//! So the waker is dropped when the handle is dropped or the task completes,
//! whichever is later — never later than both, which is what breaks the cycle.
//!
//! Orderings: every transition that hands the future, the output or the join
//! waker field from one thread to another (`transition_to_running`,
//! `transition_to_idle`, `transition_to_complete`, the join transitions) is
//! `AcqRel`, so the writes of the previous owner happen-before the reads of
//! the next. Reference increments are `Relaxed` (the incrementing thread
//! already holds a reference, as with `Arc::clone`); the decrement that may
//! free is `AcqRel`, so every access through other references happens-before
//! the free.

use crate::loom::atomic::{AtomicUsize, Ordering::*};
use std::fmt;

const RUNNING: usize = 1 << 0;
const COMPLETE: usize = 1 << 1;
const NOTIFIED: usize = 1 << 2;
const JOIN_INTEREST: usize = 1 << 3;
const JOIN_WAKER: usize = 1 << 4;
const CANCELLED: usize = 1 << 5;
const REF_SHIFT: usize = 6;
const REF_ONE: usize = 1 << REF_SHIFT;
const FLAGS: usize = REF_ONE - 1;

/// A freshly spawned task: referenced by the registry, the first `Notified`
/// and the `JoinHandle`; scheduled; wanted by its join handle.
const INITIAL: usize = (3 * REF_ONE) | NOTIFIED | JOIN_INTEREST;

pub(crate) struct State {
    val: AtomicUsize,
}

/// A copy of the state word at one instant.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

impl Snapshot {
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }
    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
    fn is_idle(self) -> bool {
        self.0 & (RUNNING | COMPLETE) == 0
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("notified", &self.is_notified())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("cancelled", &self.is_cancelled())
            .field("refs", &self.ref_count())
            .finish()
    }
}

/// Result of [`State::transition_to_running`].
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToRunning {
    /// The caller now owns the future: poll it.
    Poll,
    /// The caller owns the future but the task was cancelled: drop it.
    Cancel,
    /// Someone else owns or finished the task: drop this stale notification.
    Stale,
}

/// Result of [`State::transition_to_idle`].
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToIdle {
    /// Parked until woken; release the caller's reference.
    Idle,
    /// Woken while running: the caller's reference becomes the new `Notified`
    /// and must be scheduled again (behind the other queued tasks).
    Reschedule,
    /// Cancelled while running: the caller still owns the future; drop it.
    Cancel,
}

/// Result of [`State::transition_to_join_handle_dropped`]: what the dropping
/// `JoinHandle` must clean up.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct JoinHandleDropped {
    /// The task is complete: its output (unless already read) is the
    /// handle's to drop.
    pub(crate) drop_output: bool,
    /// `JOIN_WAKER` is clear: the join waker field is the handle's to empty.
    pub(crate) drop_waker: bool,
}

/// What a wake (or an abort) asks of its caller.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Wake {
    /// Nothing: the task is running, queued, or complete.
    Nothing,
    /// The caller now holds a `Notified` reference and must schedule it.
    Submit,
    /// The caller dropped the last reference: free the cell.
    Dealloc,
}

impl State {
    pub(crate) fn new() -> State {
        State {
            val: AtomicUsize::new(INITIAL),
        }
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.val.load(Acquire))
    }

    /// Applies `f` to the word until the CAS succeeds; `f` returns the new
    /// value and a result, or `None` to leave the word alone.
    fn update<R>(&self, mut f: impl FnMut(Snapshot) -> (Option<usize>, R)) -> R {
        let mut cur = self.val.load(Acquire);
        loop {
            let (next, res) = f(Snapshot(cur));
            let Some(next) = next else { return res };
            match self.val.compare_exchange_weak(cur, next, AcqRel, Acquire) {
                Ok(_) => return res,
                Err(actual) => cur = actual,
            }
        }
    }

    /// The holder of a `Notified` reference claims the future.
    pub(crate) fn transition_to_running(&self) -> ToRunning {
        self.update(|s| {
            if !s.is_idle() {
                return (None, ToRunning::Stale);
            }
            let next = (s.0 | RUNNING) & !NOTIFIED;
            let res = if s.is_cancelled() {
                ToRunning::Cancel
            } else {
                ToRunning::Poll
            };
            (Some(next), res)
        })
    }

    /// The poller gives the future back after `Poll::Pending`.
    pub(crate) fn transition_to_idle(&self) -> ToIdle {
        self.update(|s| {
            debug_assert!(s.is_running() && !s.is_complete());
            if s.is_cancelled() {
                return (None, ToIdle::Cancel);
            }
            let res = if s.is_notified() {
                ToIdle::Reschedule
            } else {
                ToIdle::Idle
            };
            (Some(s.0 & !RUNNING), res)
        })
    }

    /// The owner stored the output: the task is finished. Returns the state
    /// just before, so the caller knows whether anyone waits for the output.
    pub(crate) fn transition_to_complete(&self) -> Snapshot {
        let prev = Snapshot(self.val.fetch_xor(RUNNING | COMPLETE, AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete());
        prev
    }

    /// Shutdown claims the future of an idle task so it can be dropped; a
    /// running task is only marked, and its poller cancels it.
    /// Returns true if the caller now owns the future.
    #[must_use]
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.update(|s| {
            let claim = s.is_idle();
            let next = s.0 | CANCELLED | if claim { RUNNING } else { 0 };
            (Some(next), claim)
        })
    }

    /// A waker consumed by value (it holds one reference).
    pub(crate) fn wake_by_val(&self) -> Wake {
        self.update(|s| {
            if s.is_running() {
                // The poller holds a reference, so ours is never the last.
                (Some((s.0 | NOTIFIED) - REF_ONE), Wake::Nothing)
            } else if s.is_complete() || s.is_notified() {
                let res = if s.ref_count() == 1 {
                    Wake::Dealloc
                } else {
                    Wake::Nothing
                };
                (Some(s.0 - REF_ONE), res)
            } else {
                // Our reference becomes the `Notified`.
                (Some(s.0 | NOTIFIED), Wake::Submit)
            }
        })
    }

    /// A waker woken by reference.
    pub(crate) fn wake_by_ref(&self) -> Wake {
        self.update(|s| {
            if s.is_running() {
                (Some(s.0 | NOTIFIED), Wake::Nothing)
            } else if s.is_complete() {
                (None, Wake::Nothing)
            } else if s.is_notified() {
                // Already queued, but still write (the same value): a
                // release RMW that the poller's `transition_to_running`
                // reads from, so what the waker wrote before waking
                // happens-before that poll. A plain load here would let the
                // poll miss it and go idle with nobody left to wake it
                // (`loom_wake_by_ref_while_running`).
                (Some(s.0), Wake::Nothing)
            } else {
                (Some((s.0 | NOTIFIED) + REF_ONE), Wake::Submit)
            }
        })
    }

    /// `abort()`: mark cancelled, and schedule the task if it is idle so a
    /// worker drops its future. A queued or running task is cancelled by
    /// whoever holds `RUNNING` next.
    pub(crate) fn transition_to_notified_and_cancel(&self) -> Wake {
        self.update(|s| {
            if s.is_complete() || s.is_cancelled() {
                (None, Wake::Nothing)
            } else if s.is_running() || s.is_notified() {
                (Some(s.0 | CANCELLED), Wake::Nothing)
            } else {
                (Some((s.0 | CANCELLED | NOTIFIED) + REF_ONE), Wake::Submit)
            }
        })
    }

    /// The `JoinHandle` is dropped (rule 4): clears `JOIN_INTEREST`, and
    /// `JOIN_WAKER` too if the task has not completed.
    pub(crate) fn transition_to_join_handle_dropped(&self) -> JoinHandleDropped {
        self.update(|s| {
            debug_assert!(s.is_join_interested());
            let mut next = s.0 & !JOIN_INTEREST;
            if !s.is_complete() {
                next &= !JOIN_WAKER;
            }
            let res = JoinHandleDropped {
                drop_output: s.is_complete(),
                drop_waker: next & JOIN_WAKER == 0,
            };
            (Some(next), res)
        })
    }

    /// The completer is done with the join waker (rule 3): clears
    /// `JOIN_WAKER`. Returns the new state; if it has no join interest, the
    /// handle is gone and the waker is the caller's to drop.
    pub(crate) fn unset_join_waker_after_complete(&self) -> Snapshot {
        let prev = Snapshot(self.val.fetch_and(!JOIN_WAKER, AcqRel));
        debug_assert!(prev.is_complete() && prev.is_join_waker_set());
        Snapshot(prev.0 & !JOIN_WAKER)
    }

    /// The `JoinHandle` published a waker in the field (rule 1). `Err` (with
    /// the current snapshot) means the task completed first; the field stays
    /// the handle's.
    pub(crate) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.update(|s| {
            debug_assert!(s.is_join_interested() && !s.is_join_waker_set());
            if s.is_complete() {
                (None, Err(s))
            } else {
                let next = s.0 | JOIN_WAKER;
                (Some(next), Ok(Snapshot(next)))
            }
        })
    }

    /// The `JoinHandle` takes the field back to replace the waker (rule 2).
    /// `Err` means the task completed first (the completer owns the field).
    pub(crate) fn unset_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.update(|s| {
            debug_assert!(s.is_join_interested() && s.is_join_waker_set());
            if s.is_complete() {
                (None, Err(s))
            } else {
                let next = s.0 & !JOIN_WAKER;
                (Some(next), Ok(Snapshot(next)))
            }
        })
    }

    pub(crate) fn ref_inc(&self) {
        // Relaxed: the caller already holds a reference (see module docs).
        let prev = self.val.fetch_add(REF_ONE, Relaxed);
        // Like `Arc`, guard against overflow from leaked wakers.
        assert!(prev <= isize::MAX as usize, "task reference count overflow");
    }

    /// Called by the `JoinHandle`: true if the task is complete and the
    /// handle holds its only reference. Then nothing else can reach the
    /// cell any more (a reference is only ever made from another one), so
    /// the handle may clean up and free it without writing the word: rule
    /// 3's completer is done (it held a reference), and the output and the
    /// join waker field are the handle's. `Acquire`, as the freeing
    /// `ref_dec`: every access through the other references happens-before.
    pub(crate) fn join_handle_is_last(&self) -> bool {
        let s = self.load();
        s.is_complete() && s.ref_count() == 1
    }

    /// Drops `n` references; true if they were the last.
    #[must_use]
    pub(crate) fn ref_dec(&self, n: usize) -> bool {
        let prev = Snapshot(self.val.fetch_sub(n * REF_ONE, AcqRel));
        debug_assert!(prev.ref_count() >= n, "{prev:?} - {n}");
        prev.ref_count() == n
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.load().fmt(f)
    }
}

// The flag bits fit below the reference count.
const _: () = assert!(FLAGS == 0b11_1111);

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn fresh_task_runs_then_idles() {
        let s = State::new();
        assert_eq!(s.load().ref_count(), 3);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert_eq!(s.transition_to_idle(), ToIdle::Idle);
        assert!(!s.load().is_notified() && !s.load().is_running());
    }

    #[test]
    fn wake_while_running_reschedules_once() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert_eq!(s.wake_by_ref(), Wake::Nothing);
        assert_eq!(s.wake_by_ref(), Wake::Nothing);
        assert_eq!(s.transition_to_idle(), ToIdle::Reschedule);
        assert_eq!(s.wake_by_ref(), Wake::Nothing, "already queued");
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
    }

    #[test]
    fn abort_of_idle_task_submits_once() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert_eq!(s.transition_to_idle(), ToIdle::Idle);
        assert_eq!(s.transition_to_notified_and_cancel(), Wake::Submit);
        assert_eq!(s.transition_to_notified_and_cancel(), Wake::Nothing);
        assert_eq!(s.transition_to_running(), ToRunning::Cancel);
    }

    #[test]
    fn join_handle_dropped_before_completion_owns_the_waker() {
        let s = State::new();
        assert!(s.set_join_waker().is_ok());
        let d = s.transition_to_join_handle_dropped();
        assert_eq!(
            d,
            JoinHandleDropped {
                drop_output: false,
                drop_waker: true
            }
        );
        assert!(!s.load().is_join_waker_set() && !s.load().is_join_interested());
    }

    #[test]
    fn completer_owns_a_published_waker_until_it_unsets_it() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert!(s.set_join_waker().is_ok());
        let prev = s.transition_to_complete();
        assert!(prev.is_join_waker_set() && prev.is_join_interested());
        // The handle is dropped while the completer still holds the field.
        let d = s.transition_to_join_handle_dropped();
        assert_eq!(
            d,
            JoinHandleDropped {
                drop_output: true,
                drop_waker: false
            }
        );
        let after = s.unset_join_waker_after_complete();
        assert!(!after.is_join_interested(), "so the completer drops it");
    }

    #[test]
    fn shutdown_claims_only_idle_tasks() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert!(!s.transition_to_shutdown());
        assert_eq!(s.transition_to_idle(), ToIdle::Cancel);
        let s = State::new();
        assert!(s.transition_to_shutdown(), "queued but idle: claimable");
        assert_eq!(s.transition_to_running(), ToRunning::Stale);
    }
}
