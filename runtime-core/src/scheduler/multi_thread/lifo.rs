//! A worker's LIFO slot: the task most recently woken by the task it is
//! running, run next (the message-passing fast path).
//!
//! # Why an atomic slot
//!
//! The slot belongs to its worker: ordinary stealers never look at it (a
//! stolen LIFO task runs cold, on another core, and tokio's experiment of
//! letting every stealer take it cost ~30 % of throughput). But when the
//! worker is stuck in a long poll (a task blocked its thread), the task in
//! the slot — often the very task the blocked one just woke — must still
//! run. So the slot is reachable by the *rescue path* only
//! ([`Shared::is_stalled`](super::Shared::is_stalled): a worker the
//! watchdog has seen inside one poll for longer than the stall threshold).
//! A rescuer may run on any thread at any time relative to the owner, so
//! the slot is one `AtomicPtr` to the task's header, and the protocol is:
//!
//! * **push** (owner only, from inside a poll or between polls): if the slot
//!   is empty, a `Release` store — no rescuer can fill it meanwhile (they
//!   only ever take), so the load-then-store cannot race with anyone. If it
//!   is full, a `swap`: the previous occupant comes back to be queued behind
//!   the others, unless a rescuer took it first (then `swap` returns
//!   nothing, and it runs on the rescuer).
//! * **pop** (owner only, between polls): a load; if the slot holds a task,
//!   a `swap(null)`, which a concurrent rescuer's `swap` orders with: exactly
//!   one of them gets it.
//! * **steal** (rescuers): a load; if the slot holds a task, a `swap(null)`
//!   with `Acquire`, which synchronizes with the owner's `Release` that put
//!   it there, so the rescuer sees everything the owner did before pushing.
//!
//! So the owner pays one read-modify-write per task that goes through a
//! full slot or out of it (an empty slot's push is a plain store), and a
//! task is never run twice nor lost: every transfer out of the slot is a
//! `swap`, whose return value names the one thread that got the task.
//!
//! The slot owns the `Notified` reference of the task in it; a slot dropped
//! with a task inside drops that reference.

use crate::loom::atomic::{AtomicPtr, Ordering::*};
use crate::task::{Header, Notified};
use std::ptr::{self, NonNull};

/// On a cache line of its own: the owner writes it for every message, and
/// the lines other workers read (stealers, parkers) must not bounce with it.
#[repr(align(128))]
pub(crate) struct LifoSlot {
    /// Null, or a task whose `Notified` reference the slot owns.
    task: AtomicPtr<Header>,
}

impl LifoSlot {
    pub(crate) fn new() -> LifoSlot {
        LifoSlot {
            task: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Owner: puts `task` in the slot; returns the task it displaced, if a
    /// rescuer did not take it first.
    pub(crate) fn push(&self, task: Notified) -> Option<Notified> {
        let new = task.into_raw().as_ptr();
        if self.task.load(Relaxed).is_null() {
            // Empty: only the owner ever fills the slot, so it is still
            // empty now; `Release` publishes the task to a rescuer.
            self.task.store(new, Release);
            None
        } else {
            take(self.task.swap(new, AcqRel))
        }
    }

    /// Owner: takes the task in the slot, if a rescuer did not.
    pub(crate) fn pop(&self) -> Option<Notified> {
        if self.task.load(Relaxed).is_null() {
            return None;
        }
        take(self.task.swap(ptr::null_mut(), Acquire))
    }

    /// A rescuer: takes the task in a stalled worker's slot.
    pub(crate) fn steal(&self) -> Option<Notified> {
        self.pop()
    }

    /// Is a task in the slot? A hint (it may be taken at any moment).
    pub(crate) fn is_occupied(&self) -> bool {
        !self.task.load(Relaxed).is_null()
    }
}

/// The `Notified` reference a pointer taken out of the slot carries.
fn take(p: *mut Header) -> Option<Notified> {
    // SAFETY: a non-null pointer in the slot came from `Notified::into_raw`
    // in `push`, and the `swap` that returned it removed it from the slot,
    // so this thread now owns that one reference.
    NonNull::new(p).map(|p| unsafe { Notified::from_raw_ptr(p) })
}

impl Drop for LifoSlot {
    fn drop(&mut self) {
        drop(take(self.task.swap(ptr::null_mut(), Acquire)));
    }
}
