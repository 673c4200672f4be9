//! The runtime's clock: real time, or virtual time when paused.
//!
//! Unpaused and never paused, `now()` is `std::time::Instant::now()` (one
//! relaxed load of `ever_paused` on the fast path). Once paused, time is
//! `virt` and moves only by `advance` (explicit, or the driver jumping to the
//! next timer when every task is idle). After `resume`, time runs on from
//! where the virtual clock stood: `now = virt + (real_now - real_at_resume)`.

use crate::loom::atomic::{AtomicBool, Ordering::*};
use crate::loom::{lock, Mutex};
use std::time::{Duration, Instant};

pub(crate) struct Clock {
    start: Instant,
    ever_paused: AtomicBool,
    state: Mutex<State>,
}

struct State {
    paused: bool,
    /// The virtual instant: `now()` while paused.
    virt: Instant,
    /// Real time when `virt` was last synced (at resume).
    real: Instant,
}

impl Clock {
    pub(crate) fn new(start_paused: bool) -> Clock {
        let now = Instant::now();
        Clock {
            start: now,
            ever_paused: AtomicBool::new(start_paused),
            state: Mutex::new(State {
                paused: start_paused,
                virt: now,
                real: now,
            }),
        }
    }

    /// When tick 0 of the wheel is.
    pub(crate) fn start(&self) -> Instant {
        self.start
    }

    pub(crate) fn now(&self) -> Instant {
        if !self.ever_paused.load(Relaxed) {
            return Instant::now();
        }
        let s = lock(&self.state);
        if s.paused {
            s.virt
        } else {
            s.virt + Instant::now().saturating_duration_since(s.real)
        }
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.ever_paused.load(Relaxed) && lock(&self.state).paused
    }

    pub(crate) fn pause(&self) {
        // Round up to a whole tick of the wheel, so that `sleep(d)` started
        // while paused and `advance(d)` meet exactly (deadlines round up,
        // "now" rounds down). Rounding up keeps time monotonic.
        let since = self.now().saturating_duration_since(self.start);
        let ms = since.as_nanos().div_ceil(1_000_000) as u64;
        let now = self.start + Duration::from_millis(ms);
        self.ever_paused.store(true, Relaxed);
        let mut s = lock(&self.state);
        s.virt = now;
        s.paused = true;
    }

    pub(crate) fn resume(&self) {
        let mut s = lock(&self.state);
        s.paused = false;
        s.real = Instant::now();
    }

    /// Moves paused time forward by `d`.
    ///
    /// # Panics
    /// If the clock is not paused.
    #[track_caller]
    pub(crate) fn advance(&self, d: Duration) {
        let mut s = lock(&self.state);
        assert!(
            s.paused,
            "time::advance needs a paused clock: call time::pause() first, or build the \
             runtime with start_paused(true)"
        );
        s.virt += d;
    }

    /// Moves paused time forward to `to` if that is later.
    pub(crate) fn advance_to(&self, to: Instant) {
        let mut s = lock(&self.state);
        if s.paused && to > s.virt {
            s.virt = to;
        }
    }
}
