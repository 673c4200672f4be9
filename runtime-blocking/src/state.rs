//! The pool's packed state word: `queued | awake | shutdown` in one `AtomicU64`.
//!
//! ```text
//!  63                      22 21                 1   0
//! +--------------------------+--------------------+---+
//! |  queued (42 bits)        |  awake (21 bits)   | S |
//! +--------------------------+--------------------+---+
//! ```
//!
//! * `queued`: jobs reserved by a spawner and not yet taken off the queue by a
//!   thread (or a drainer). A spawner counts its job *before* pushing it, and a
//!   thread uncounts a job *after* popping it, so `queued` is never below the
//!   number of jobs really in the queue; it can be above it for the few
//!   instructions between a reservation and its push.
//! * `awake`: pool threads that are not running a job and are guaranteed to
//!   look at `queued` again before they sleep: a thread just started, one just
//!   woken, one that just finished a job, one spinning.
//! * `S`: set once by shutdown, never cleared.
//!
//! Why one word: the pool's only lock-free promise is "a queued job is never
//! stranded while a thread could take it". It is kept by one rule: *whoever
//! makes `awake == 0 && queued > 0` true calls `Shared::wake_or_spawn`*: a
//! spawner whose reservation finds `awake == 0`, or a thread whose job pickup
//! takes `awake` from 1 to 0 while other jobs are still queued. Because both
//! counts move in single read-modify-write operations on one word, all those
//! operations are totally ordered (the modification order of the word), and
//! each one sees the exact counts left by the one before: no fence or
//! store-load (Dekker) reasoning is needed, whatever the `Ordering`.
//! `AcqRel`/`Acquire` are used anyway so that a thread that sees `S` or a
//! count also sees the writes that preceded it; nothing relies on `SeqCst`.
//!
//! Ranges: `awake <= num_threads <= MAX_THREADS`, so `awake` never carries
//! into `queued`; `queued` only goes down after it went up for the same job,
//! so it never borrows.

use crate::loom::atomic::{AtomicU64, Ordering::*};

const SHUTDOWN: u64 = 1;
const AWAKE_SHIFT: u32 = 1;
const AWAKE_BITS: u32 = 21;
const AWAKE_ONE: u64 = 1 << AWAKE_SHIFT;
const AWAKE_MASK: u64 = ((1 << AWAKE_BITS) - 1) << AWAKE_SHIFT;
const QUEUED_SHIFT: u32 = AWAKE_SHIFT + AWAKE_BITS;
const QUEUED_ONE: u64 = 1 << QUEUED_SHIFT;

/// The most threads one pool can have: the width of the `awake` field.
pub(crate) const MAX_THREADS: usize = (1 << AWAKE_BITS) - 1;

/// A copy of the state word at one instant (the value an operation saw just
/// before it changed the word).
#[derive(Clone, Copy, PartialEq, Eq)]
#[must_use]
pub(crate) struct Snapshot(u64);

impl Snapshot {
    pub(crate) fn is_shutdown(self) -> bool {
        self.0 & SHUTDOWN != 0
    }

    pub(crate) fn awake(self) -> usize {
        ((self.0 & AWAKE_MASK) >> AWAKE_SHIFT) as usize
    }

    pub(crate) fn queued(self) -> usize {
        (self.0 >> QUEUED_SHIFT) as usize
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("queued", &self.queued())
            .field("awake", &self.awake())
            .field("shutdown", &self.is_shutdown())
            .finish()
    }
}

/// The state word. Each method is one atomic transition and returns the
/// word as it was *before* the transition.
pub(crate) struct State(AtomicU64);

impl State {
    pub(crate) fn new() -> State {
        State(AtomicU64::new(0))
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Acquire))
    }

    /// A spawner counts its job in `queued`, before pushing it.
    pub(crate) fn reserve(&self) -> Snapshot {
        Snapshot(self.0.fetch_add(QUEUED_ONE, AcqRel))
    }

    /// A spawner takes back a reservation it will not push (queue full, or
    /// the pool is shut down).
    pub(crate) fn unreserve(&self) {
        let old = self.0.fetch_sub(QUEUED_ONE, AcqRel);
        debug_assert!(Snapshot(old).queued() > 0, "{:?}", Snapshot(old));
    }

    /// An awake thread popped a job: `queued - 1` and `awake - 1` at once.
    pub(crate) fn take_job(&self) -> Snapshot {
        let old = Snapshot(self.0.fetch_sub(QUEUED_ONE + AWAKE_ONE, AcqRel));
        debug_assert!(old.queued() > 0 && old.awake() > 0, "{old:?}");
        old
    }

    /// A drainer (shutdown, or a failed thread start) popped a job to cancel.
    pub(crate) fn discard_job(&self) -> Snapshot {
        let old = Snapshot(self.0.fetch_sub(QUEUED_ONE, AcqRel));
        debug_assert!(old.queued() > 0, "{old:?}");
        old
    }

    /// One more thread is awake (finished a job, woken, or being started).
    pub(crate) fn wake(&self) -> Snapshot {
        Snapshot(self.0.fetch_add(AWAKE_ONE, AcqRel))
    }

    /// One thread stops being awake (goes to sleep, exits, failed to start).
    pub(crate) fn doze(&self) -> Snapshot {
        let old = Snapshot(self.0.fetch_sub(AWAKE_ONE, AcqRel));
        debug_assert!(old.awake() > 0, "{old:?}");
        old
    }

    /// Sets the shutdown bit (idempotent).
    pub(crate) fn shut_down(&self) -> Snapshot {
        Snapshot(self.0.fetch_or(SHUTDOWN, AcqRel))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn fields_do_not_bleed_into_each_other() {
        let s = State::new();
        for _ in 0..MAX_THREADS {
            let _ = s.wake();
        }
        let _ = s.reserve();
        let now = s.load();
        assert_eq!(
            (now.awake(), now.queued(), now.is_shutdown()),
            (MAX_THREADS, 1, false)
        );
        let _ = s.shut_down();
        let old = s.take_job();
        assert_eq!((old.awake(), old.queued()), (MAX_THREADS, 1));
        let now = s.load();
        assert_eq!(
            (now.awake(), now.queued(), now.is_shutdown()),
            (MAX_THREADS - 1, 0, true)
        );
    }
}
