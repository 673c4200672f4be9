//! The time driver: the timing wheel behind a mutex, the clock, and the
//! protocol that decides who fires timers while workers sleep.
//!
//! Who fires due timers:
//! * a worker about to park *owns* the driver if nobody else does and a
//!   timer is queued: it parks with a timeout (the next expiration) instead of
//!   indefinitely, and fires what is due when it wakes. At most one worker is
//!   the owner at a time (`Inner::owner`, under the wheel lock), so idle
//!   workers never all wake at every deadline; the others park indefinitely;
//! * a running worker checks every 61 ticks (one relaxed load of
//!   `next_wake` when nothing is due; a clock read when a timer is pending);
//! * the current-thread driver checks before parking and parks with a
//!   timeout.
//!
//! Inserting a timer earlier than what the owner sleeps until returns
//! [`Unpark::Owner`]: the caller unparks the owner so it re-computes its
//! timeout. With no owner it returns [`Unpark::Anyone`]: the caller wakes a
//! parked worker *only if nobody is searching* (the usual notify rule): a
//! worker that registered as parked before the timer's insert takes the
//! wheel lock after it (it re-reads the wheel when choosing its timeout), or
//! is woken by that notify — so a timer inserted while every worker sleeps
//! still fires on time, and a burst of inserts wakes at most one worker.
//!
//! No user code runs under the wheel lock: a task's waker is cloned before
//! the lock is taken, and every waker the wheel gives up (replaced, removed,
//! fired) is dropped or woken after it is released. So a waker whose
//! `clone`, `wake` or `drop` panics cannot poison the lock, and one that
//! blocks cannot stall the other threads' timers.

use super::clock::Clock;
use super::wheel::{Key, Wheel, NEVER};
use crate::loom::atomic::{AtomicU64, Ordering::*};
use crate::loom::Mutex;
use std::task::Waker;
use std::time::{Duration, Instant};

pub(crate) struct Driver {
    pub(crate) clock: Clock,
    inner: Mutex<Inner>,
    /// A lower bound of the tick at which something is due; `u64::MAX` when
    /// nothing is queued. Updated under the lock; read without it as a hint.
    next_wake: AtomicU64,
}

struct Inner {
    wheel: Wheel,
    /// The worker parked with a timeout on behalf of all timers, and the
    /// tick it sleeps until.
    owner: Option<(usize, u64)>,
}

/// Who, if anyone, must be woken after an insert.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Unpark {
    Nobody,
    /// This worker owns the driver and sleeps past the new deadline.
    Owner(usize),
    /// No worker watches the wheel: wake one if all are asleep.
    Anyone,
}

impl Driver {
    pub(crate) fn new(start_paused: bool) -> Driver {
        Driver {
            clock: Clock::new(start_paused),
            inner: Mutex::new(Inner {
                wheel: Wheel::new(),
                owner: None,
            }),
            next_wake: AtomicU64::new(u64::MAX),
        }
    }

    /// The tick at which `deadline` is due: rounded up, so timers never
    /// fire early. A deadline more than `u64::MAX` ms (584 million years)
    /// after the start never comes.
    pub(crate) fn deadline_tick(&self, deadline: Instant) -> u64 {
        let d = deadline.saturating_duration_since(self.clock.start());
        let ms = d.as_nanos().div_ceil(1_000_000);
        u64::try_from(ms).unwrap_or(NEVER)
    }

    /// Whole ticks since the start, rounded down (the wheel stops short of
    /// [`NEVER`] on its own).
    fn now_tick(&self) -> u64 {
        let d = self
            .clock
            .now()
            .saturating_duration_since(self.clock.start());
        u64::try_from(d.as_millis()).unwrap_or(NEVER)
    }

    /// When `tick` starts, if an `Instant` can say.
    fn tick_instant(&self, tick: u64) -> Option<Instant> {
        self.clock.start().checked_add(Duration::from_millis(tick))
    }

    fn update_next_wake(&self, inner: &Inner) {
        let next = inner.wheel.next_expiration().unwrap_or(u64::MAX);
        self.next_wake.store(next, Release);
    }

    /// Registers a timer. `None` if it is already due (nothing to keep):
    /// its deadline is not after the clock's now, so `sleep(Duration::ZERO)`
    /// completes at once rather than at the next tick.
    pub(crate) fn insert(&self, deadline: Instant, waker: &Waker) -> (Option<Key>, Unpark) {
        if deadline <= self.clock.now() {
            return (None, Unpark::Nobody);
        }
        let tick = self.deadline_tick(deadline);
        // Cloned before the lock (and dropped after it, if not kept): a
        // waker's clone and drop are user code, which may panic or block.
        let waker = waker.clone();
        let mut inner = self.inner.lock().unwrap();
        // Due by now (time passed since the check above; the wheel itself
        // may lag behind the clock until someone fires timers): complete at
        // once, store nothing.
        let inserted = if tick <= self.now_tick() {
            Err(waker)
        } else {
            inner.wheel.insert(tick, waker)
        };
        let key = match inserted {
            Ok(key) => key,
            Err(waker) => {
                drop(inner);
                drop(waker);
                return (None, Unpark::Nobody);
            }
        };
        let unpark = match inner.owner {
            Some((worker, until)) if tick < until => Unpark::Owner(worker),
            Some(_) => Unpark::Nobody,
            None if tick < self.next_wake.load(Relaxed) => Unpark::Anyone,
            None => Unpark::Nobody,
        };
        self.update_next_wake(&inner);
        (Some(key), unpark)
    }

    /// True if the timer fired; otherwise its waker is updated.
    pub(crate) fn poll(&self, key: Key, waker: &Waker) -> bool {
        {
            let mut inner = self.inner.lock().unwrap();
            if inner.wheel.is_fired(key) {
                return true;
            }
            // Late: fire what is due ourselves rather than wait for a worker.
            if self.next_wake.load(Relaxed) <= self.now_tick() {
                drop(inner);
                self.fire_due();
                inner = self.inner.lock().unwrap();
                if inner.wheel.is_fired(key) {
                    return true;
                }
            }
            if inner.wheel.will_wake(key, waker) {
                return false;
            }
        }
        // A new waker (the task moved, or another task polls): clone it, and
        // drop the old one, with no lock held — both are user code.
        let waker = waker.clone();
        let mut inner = self.inner.lock().unwrap();
        let (fired, old) = if inner.wheel.is_fired(key) {
            // Fired meanwhile: keep nothing.
            (true, Some(waker))
        } else {
            (false, inner.wheel.set_waker(key, waker))
        };
        drop(inner);
        drop(old);
        fired
    }

    pub(crate) fn remove(&self, key: Key) {
        let waker = self.inner.lock().unwrap().wheel.remove(key);
        // Outside the lock: a waker's drop is user code.
        drop(waker);
    }

    /// Cheap check: is any timer due? (No lock; a clock read only if one is
    /// queued.)
    pub(crate) fn is_due(&self) -> bool {
        let next = self.next_wake.load(Acquire);
        next != u64::MAX && next <= self.now_tick()
    }

    /// Fires every due timer, waking their tasks outside the lock (a wake
    /// is user code). Returns how many fired.
    pub(crate) fn fire_due(&self) -> usize {
        let mut wakers = Vec::new();
        {
            let mut inner = self.inner.lock().unwrap();
            let now = self.now_tick();
            inner.wheel.advance(now, &mut wakers);
            self.update_next_wake(&inner);
        }
        let n = wakers.len();
        for w in wakers {
            w.wake();
        }
        n
    }

    /// A worker about to park: if it may own the driver (nobody else does and
    /// a timer is queued), it becomes the owner and gets the time to sleep.
    pub(crate) fn park_timeout(&self, worker: usize) -> Option<Duration> {
        let mut inner = self.inner.lock().unwrap();
        let next = inner.wheel.next_expiration()?;
        match inner.owner {
            Some((w, _)) if w != worker => return None,
            _ => inner.owner = Some((worker, next)),
        }
        let since_start = self
            .clock
            .now()
            .saturating_duration_since(self.clock.start());
        Some(Duration::from_millis(next).saturating_sub(since_start))
    }

    /// The owner leaves park.
    pub(crate) fn release(&self, worker: usize) {
        let mut inner = self.inner.lock().unwrap();
        if matches!(inner.owner, Some((w, _)) if w == worker) {
            inner.owner = None;
        }
    }

    /// Earliest queued deadline, as an instant (current-thread parking and
    /// auto-advance of paused time).
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let inner = self.inner.lock().unwrap();
        inner
            .wheel
            .next_expiration()
            .and_then(|t| self.tick_instant(t))
    }

    /// Timers queued in the wheel.
    pub(crate) fn num_timers(&self) -> usize {
        self.inner.lock().unwrap().wheel.len()
    }

    /// Fires one timer before its deadline, as a broken wheel would (tests
    /// of the `Sleep`'s own deadline check).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn fire_early(&self, key: Key) {
        let waker = self.inner.lock().unwrap().wheel.fire_early(key);
        waker.into_iter().for_each(Waker::wake);
    }
}
