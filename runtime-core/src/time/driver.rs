//! The time driver: the timing wheel behind a mutex, the clock, and the
//! protocol that decides who fires timers while every thread sleeps. In the
//! driver stack (`crate::driver`) it is the layer right above the reactor:
//! [`Driver::turn`] bounds the reactor's wait by the next timer.
//!
//! Who fires due timers:
//! * the thread parked on the runtime's driver (`crate::driver`: a worker
//!   with nothing to do, or the current-thread `block_on`) sleeps at most
//!   until the next expiration ([`Driver::park_begin`] computes it and
//!   records it under the wheel lock) and fires what is due when it wakes;
//! * a running thread checks every 61 ticks (one relaxed load of
//!   `next_wake` when nothing is due; a clock read when a timer is pending).
//!
//! This module knows nothing of workers. Inserting a timer earlier than what
//! the parked thread sleeps until returns [`Unpark::Driver`]: the caller
//! unparks the driver so it re-computes its timeout. With nobody parked on
//! the driver it returns [`Unpark::Anyone`]: the multi-thread caller wakes a
//! parked worker *only if nobody is searching* (the usual notify rule), and
//! that worker, finding no task, parks on the driver, whose `park_begin`
//! reads the wheel after the insert. So a timer inserted while every thread
//! sleeps still fires on time, and a burst of inserts wakes at most one.
//!
//! No user code runs under the wheel lock: a task's waker is cloned before
//! the lock is taken, and every waker the wheel gives up (replaced, removed,
//! fired) is dropped or woken after it is released. So a waker whose
//! `clone`, `wake` or `drop` panics cannot poison the lock, and one that
//! blocks cannot stall the other threads' timers.

use super::clock::Clock;
use super::wheel::{Key, Wheel, NEVER};
use crate::loom::atomic::{AtomicU64, Ordering::*};
use crate::loom::{lock, Mutex};
use crate::reactor;
use std::panic::Location;
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
    /// The tick until which the thread parked on the driver sleeps
    /// (`u64::MAX`: until woken), or `None` while nobody is parked on it.
    parked_until: Option<u64>,
}

/// Who, if anyone, must be woken after an insert.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Unpark {
    Nobody,
    /// The thread parked on the driver sleeps past the new deadline.
    Driver,
    /// Nobody is parked on the driver: wake a thread if all are asleep.
    Anyone,
}

impl Driver {
    pub(crate) fn new(start_paused: bool) -> Driver {
        Driver {
            clock: Clock::new(start_paused),
            inner: Mutex::new(Inner {
                wheel: Wheel::new(),
                parked_until: None,
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
    /// `site`: where the timer's `Sleep` was made, for dumps ([`describe`](Self::describe)).
    pub(crate) fn insert(
        &self,
        deadline: Instant,
        waker: &Waker,
        site: &'static Location<'static>,
    ) -> (Option<Key>, Unpark) {
        if deadline <= self.clock.now() {
            return (None, Unpark::Nobody);
        }
        let tick = self.deadline_tick(deadline);
        // Cloned before the lock (and dropped after it, if not kept): a
        // waker's clone and drop are user code, which may panic or block.
        let waker = waker.clone();
        let mut inner = lock(&self.inner);
        // Due by now (time passed since the check above; the wheel itself
        // may lag behind the clock until someone fires timers): complete at
        // once, store nothing.
        let inserted = if tick <= self.now_tick() {
            Err(waker)
        } else {
            inner.wheel.insert(tick, waker)
        };
        let key = match inserted {
            Ok(key) => {
                inner.wheel.set_site(key, site);
                key
            }
            Err(waker) => {
                drop(inner);
                drop(waker);
                return (None, Unpark::Nobody);
            }
        };
        let unpark = match inner.parked_until {
            Some(until) if tick < until => Unpark::Driver,
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
            let mut inner = lock(&self.inner);
            if inner.wheel.is_fired(key) {
                return true;
            }
            // Late: fire what is due ourselves rather than wait for a worker.
            if self.next_wake.load(Relaxed) <= self.now_tick() {
                drop(inner);
                self.fire_due();
                inner = lock(&self.inner);
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
        let mut inner = lock(&self.inner);
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
        let waker = lock(&self.inner).wheel.remove(key);
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
            let mut inner = lock(&self.inner);
            let now = self.now_tick();
            inner.wheel.advance(now, &mut wakers);
            self.update_next_wake(&inner);
        }
        let n = wakers.len();
        for w in wakers {
            crate::contain::wake(w, "a timer");
        }
        n
    }

    /// The time layer's turn of the driver stack: waits in the reactor
    /// below for at most until the next timer (and at most `max`; `None`:
    /// no limit besides the timers), recording how long it sleeps so that
    /// an earlier insert wakes it. `Some(Duration::ZERO)`: a poll that does
    /// not sleep, which an insert need not interrupt. Due timers are fired
    /// by the caller, once it has released the reactor.
    pub(crate) fn turn(
        &self,
        poller: &mut reactor::Driver,
        io: &reactor::Handle,
        max: Option<Duration>,
    ) -> reactor::Turn {
        if max == Some(Duration::ZERO) {
            return poller.turn(io, max);
        }
        let timeout = self.park_begin(max);
        let turn = poller.turn(io, timeout);
        self.park_end();
        turn
    }

    /// The thread that holds the driver is about to sleep in it: returns how
    /// long to sleep (until the next timer, at most `max`; `None`: until
    /// woken) and records the tick it sleeps until, so that an earlier insert
    /// knows to wake it. With the clock paused, virtual time does not pass
    /// while it sleeps: it sleeps for `max`, and any insert wakes it.
    fn park_begin(&self, max: Option<Duration>) -> Option<Duration> {
        let mut inner = lock(&self.inner);
        if self.clock.is_paused() {
            inner.parked_until = Some(u64::MAX);
            return max;
        }
        let next = inner.wheel.next_expiration();
        inner.parked_until = Some(next.unwrap_or(u64::MAX));
        let until_timer = next.map(|next| {
            let since_start = self
                .clock
                .now()
                .saturating_duration_since(self.clock.start());
            Duration::from_millis(next).saturating_sub(since_start)
        });
        match (until_timer, max) {
            (Some(t), Some(m)) => Some(t.min(m)),
            (t, m) => t.or(m),
        }
    }

    /// The thread that slept in the driver is awake again.
    fn park_end(&self) {
        lock(&self.inner).parked_until = None;
    }

    /// Earliest queued deadline, as an instant (current-thread parking and
    /// auto-advance of paused time).
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let inner = lock(&self.inner);
        inner
            .wheel
            .next_expiration()
            .and_then(|t| self.tick_instant(t))
    }

    /// A queued timer, for a dump: its deadline and where its `Sleep` was
    /// made, if `key` still holds a timer whose deadline tick ends in the
    /// bits `tick` keeps (`mask`): a timer that fired, or was removed and
    /// its key reused, is not taken for the one recorded.
    pub(crate) fn describe(
        &self,
        key: Key,
        tick: u64,
        mask: u64,
    ) -> Option<(Instant, Option<&'static Location<'static>>)> {
        let (deadline, site) = lock(&self.inner).wheel.queued(key)?;
        if deadline & mask != tick & mask {
            return None;
        }
        Some((self.tick_instant(deadline)?, site))
    }

    /// Timers queued in the wheel.
    pub(crate) fn num_timers(&self) -> usize {
        lock(&self.inner).wheel.len()
    }

    /// Fires one timer before its deadline, as a broken wheel would (tests
    /// of the `Sleep`'s own deadline check).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn fire_early(&self, key: Key) {
        let waker = lock(&self.inner).wheel.fire_early(key);
        waker.into_iter().for_each(Waker::wake);
    }
}
