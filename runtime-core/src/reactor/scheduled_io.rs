//! One I/O resource's readiness slot: what the OS last said it is ready for,
//! and who waits for it.
//!
//! # State
//!
//! `readiness` packs, in one atomic word:
//!
//! ```text
//!   bit 24    | bits 8..24          | bits 0..6
//!   SHUTDOWN  | tick (16 bits)      | ready: READABLE WRITABLE READ_CLOSED WRITE_CLOSED PRIORITY ERROR
//! ```
//!
//! * `ready`: the union of what events reported since the bits were last
//!   cleared. The driver ORs bits in; a task clears them (never the closed
//!   bits) after an operation said `WouldBlock`.
//! * `tick`: the driver turn that last delivered an event here. It says
//!   whether readiness a task observed is still the latest news.
//! * `SHUTDOWN`: the runtime shut down; set once, never cleared. Every poll
//!   returns at once from then on, and the operation reports an error.
//!
//! `waiters` (a mutex) holds the wakers: one for [`poll_ready`]'s reader, one
//! for its writer (the `AsyncRead`/`AsyncWrite` paths: one task per
//! direction), and a list for `readable()`/`writable()`/`ready()` futures,
//! which any number of tasks may await at once.
//!
//! # Who writes what
//!
//! * The driver, on an event for this slot: `set_readiness` (an RMW that ORs
//!   the bits in and stores its tick), **then** `wake`, which takes the
//!   matching wakers under the lock and wakes them after unlocking.
//! * A task, in `poll_ready`: reads the word; if not ready, stores its waker
//!   under the lock and **then** reads the word again.
//! * A task, after `WouldBlock`: `clear_readiness(event)` clears the bits it
//!   saw, but only if the tick is still the one it saw.
//! * Shutdown: sets `SHUTDOWN`, then wakes everyone (like an event).
//!
//! # Why no event is lost
//!
//! The driver's `set_readiness` comes before it takes the lock; the task's
//! second read comes after it took the lock to store its waker. The lock
//! orders the two critical sections: if the driver's comes second, it finds
//! the waker and wakes it; if the task's comes second, the driver's
//! `set_readiness` happened-before it, so the second read sees the bits.
//! Either way the task learns of the event.
//!
//! A task may also lose a race with the OS the other way: it reads "ready",
//! tries the operation, gets `WouldBlock` — and meanwhile a new event arrived
//! (edge-triggered: the OS will not repeat it). Clearing the bits then would
//! sleep forever on readiness that is real. So `clear_readiness` compares
//! ticks: a newer event changed the tick, and the clear does nothing; the next
//! poll sees the bits and tries again.
//!
//! # Why a stale event never reaches a reused slot
//!
//! Slots live in the driver's registration slab; a token is the slab index
//! plus a generation ([`crate::reactor`]). Deregistration removes the slot under the
//! registrations lock, which the driver holds while it delivers a turn's
//! events; a later event carrying the old token finds either a vacant index
//! or a slot of another generation, and is dropped.
//!
//! No user code runs under the lock: wakers are cloned before it is taken,
//! and woken or dropped after it is released.
//!
//! [`poll_ready`]: ScheduledIo::poll_ready

use crate::io::{Interest, Ready};
use crate::loom::atomic::{AtomicUsize, Ordering::*};
use crate::loom::{lock, Mutex};
use std::task::{Context, Poll, Waker};

const READY_MASK: usize = 0xff;
const TICK_SHIFT: u32 = 8;
const TICK_MASK: usize = 0xffff << TICK_SHIFT;
const SHUTDOWN: usize = 1 << 24;

/// One direction of the `poll_*` paths, each with its own single waker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    pub(crate) fn interest(self) -> Interest {
        match self {
            Direction::Read => Interest::READABLE,
            Direction::Write => Interest::WRITABLE,
        }
    }
}

/// What a poll observed: the ready bits (within the asked interest) and the
/// tick they came with, to hand back to [`ScheduledIo::clear_readiness`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadyEvent {
    pub(crate) ready: Ready,
    pub(crate) tick: u16,
    pub(crate) is_shutdown: bool,
}

pub(crate) struct ScheduledIo {
    /// `ready | tick << 8 | SHUTDOWN` (module docs).
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
}

#[derive(Default)]
struct Waiters {
    /// The task in `poll_ready(Read)`, if it returned `Pending`.
    reader: Option<Waker>,
    /// The task in `poll_ready(Write)`, if it returned `Pending`.
    writer: Option<Waker>,
    /// `ready(interest)` futures that returned `Pending`.
    list: slab::Slab<Waiter>,
}

struct Waiter {
    interest: Interest,
    /// Taken (and woken) by `wake`; the future re-registers if still not ready.
    waker: Option<Waker>,
}

impl Default for ScheduledIo {
    fn default() -> ScheduledIo {
        ScheduledIo {
            readiness: AtomicUsize::new(0),
            waiters: Mutex::new(Waiters::default()),
        }
    }
}

fn event(word: usize, interest: Interest) -> ReadyEvent {
    ReadyEvent {
        ready: Ready::from_u8((word & READY_MASK) as u8).intersection(interest),
        tick: ((word & TICK_MASK) >> TICK_SHIFT) as u16,
        is_shutdown: word & SHUTDOWN != 0,
    }
}

impl ScheduledIo {
    /// The driver: an event with `ready` arrived in turn `tick`.
    pub(crate) fn set_readiness(&self, tick: u16, ready: Ready) {
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |cur| {
            let bits = (cur & READY_MASK) | ready.as_u8() as usize;
            Some(bits | ((tick as usize) << TICK_SHIFT) | (cur & SHUTDOWN))
        });
    }

    /// A task's operation returned `WouldBlock` after `seen` said ready:
    /// clears those bits (except the closed ones), unless a newer event
    /// arrived since (its tick differs).
    pub(crate) fn clear_readiness(&self, seen: ReadyEvent) {
        let clear = (seen.ready - seen.ready.closed()).as_u8() as usize;
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |cur| {
            if ((cur & TICK_MASK) >> TICK_SHIFT) as u16 != seen.tick {
                return None;
            }
            Some(cur & !clear)
        });
    }

    /// The runtime shut down: every waiter wakes and every later poll
    /// returns at once with `is_shutdown`.
    pub(crate) fn shutdown(&self) {
        self.readiness.fetch_or(SHUTDOWN, AcqRel);
        self.wake(Ready::ALL);
    }

    /// What the slot is ready for now, within `interest`.
    pub(crate) fn readiness(&self, interest: Interest) -> ReadyEvent {
        event(self.readiness.load(Acquire), interest)
    }

    /// Wakes every waiter whose interest `ready` satisfies, outside the lock.
    pub(crate) fn wake(&self, ready: Ready) {
        let mut wakers = Vec::new();
        self.take_wakers(ready, &mut wakers);
        for w in wakers {
            crate::contain::wake(w, "an I/O resource");
        }
    }

    /// Moves the wakers of every waiter whose interest `ready` satisfies
    /// into `out`, for the caller to wake after releasing its locks.
    pub(crate) fn take_wakers(&self, ready: Ready, out: &mut Vec<Waker>) {
        let mut w = lock(&self.waiters);
        if !ready.intersection(Interest::READABLE).is_empty() {
            out.extend(w.reader.take());
        }
        if !ready.intersection(Interest::WRITABLE).is_empty() {
            out.extend(w.writer.take());
        }
        for (_, waiter) in w.list.iter_mut() {
            if !ready.intersection(waiter.interest).is_empty() {
                out.extend(waiter.waker.take());
            }
        }
    }

    /// The `poll_*` paths: ready now, or `Pending` with the task's waker
    /// stored for `direction` (one waiter per direction).
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<ReadyEvent> {
        let interest = direction.interest();
        let ev = self.readiness(interest);
        if !ev.ready.is_empty() || ev.is_shutdown {
            return Poll::Ready(ev);
        }
        self.store_waker_then_recheck(cx, interest, |w| match direction {
            Direction::Read => &mut w.reader,
            Direction::Write => &mut w.writer,
        })
    }

    /// Stores `cx`'s waker where `place` says (cloning it outside the lock,
    /// and only if the stored one would not wake the same task), then reads
    /// the readiness again (module docs: why no event is lost).
    fn store_waker_then_recheck(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
        place: impl Fn(&mut Waiters) -> &mut Option<Waker>,
    ) -> Poll<ReadyEvent> {
        let mut waiters = lock(&self.waiters);
        let same = place(&mut waiters)
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()));
        let old = if same {
            None
        } else {
            drop(waiters);
            let new = cx.waker().clone();
            waiters = lock(&self.waiters);
            place(&mut waiters).replace(new)
        };
        let ev = self.readiness(interest);
        drop(waiters);
        drop(old);
        if !ev.ready.is_empty() || ev.is_shutdown {
            Poll::Ready(ev)
        } else {
            Poll::Pending
        }
    }

    /// The `ready(interest)` futures: like `poll_ready`, but each future has
    /// its own entry (`key`), so any number of tasks can wait at once.
    pub(crate) fn poll_ready_waiter(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
        key: &mut Option<usize>,
    ) -> Poll<ReadyEvent> {
        let ev = self.readiness(interest);
        if !ev.ready.is_empty() || ev.is_shutdown {
            self.remove_waiter(key);
            return Poll::Ready(ev);
        }
        let k = match *key {
            Some(k) => k,
            None => {
                let k = lock(&self.waiters).list.insert(Waiter {
                    interest,
                    waker: None,
                });
                *key = Some(k);
                k
            }
        };
        let res = self.store_waker_then_recheck(cx, interest, |w| &mut w.list[k].waker);
        if res.is_ready() {
            self.remove_waiter(key);
        }
        res
    }

    /// Drops a `ready(..)` future's entry (it completed or was dropped).
    pub(crate) fn remove_waiter(&self, key: &mut Option<usize>) {
        if let Some(k) = key.take() {
            let waiter = lock(&self.waiters).list.try_remove(k);
            drop(waiter);
        }
    }
}

impl std::fmt::Debug for ScheduledIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let word = self.readiness.load(Relaxed);
        f.debug_struct("ScheduledIo")
            .field("ready", &Ready::from_u8((word & READY_MASK) as u8))
            .field("tick", &((word & TICK_MASK) >> TICK_SHIFT))
            .field("shutdown", &(word & SHUTDOWN != 0))
            .finish()
    }
}
