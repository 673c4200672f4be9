use super::{sleep_until, Instant, Sleep};
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// Ticks every `period`; the first tick completes at once. A period too long
/// to add to an instant (`Duration::MAX`) saturates as [`sleep`](fn@super::sleep)
/// does: the next tick is about 30 years away.
///
/// ```
/// use std::time::Duration;
/// let rt = runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut every = runtime::time::interval(Duration::from_millis(2));
///     for _ in 0..3 {
///         every.tick().await;
///     }
/// });
/// ```
///
/// # Panics
/// If `period` is zero.
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// Like [`interval`], with the first tick at `start`.
///
/// # Panics
/// If `period` is zero.
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(!period.is_zero(), "interval period must be non-zero");
    Interval {
        next: start,
        period,
        sleep: sleep_until(start),
        missed: MissedTickBehavior::Burst,
    }
}

/// What an [`Interval`] does when ticks were missed (the task was busy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks back to back until caught up (the default, as in tokio).
    #[default]
    Burst,
    /// Forget the missed ticks; the next one is one period after now.
    Delay,
    /// Forget the missed ticks; keep the original phase.
    Skip,
}

/// A stream of evenly spaced ticks; see [`interval`].
pub struct Interval {
    next: Instant,
    period: Duration,
    sleep: Sleep,
    missed: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns its scheduled instant.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(Pin::new(&mut self.sleep).poll(cx));
        let scheduled = self.next;
        let now = Instant::now();
        let period = self.period;
        // Saturating, as `sleep` does: a period too long for an `Instant`
        // means the next tick is as good as never.
        let after = |t: Instant, d: Duration| t.checked_add(d).unwrap_or_else(Instant::far_future);
        let next = after(scheduled, period);
        self.next = match self.missed {
            MissedTickBehavior::Burst => next,
            MissedTickBehavior::Delay if now > next => after(now, period),
            MissedTickBehavior::Skip if now > next => {
                let behind = (now - scheduled).as_nanos() / period.as_nanos();
                u32::try_from(behind + 1)
                    .ok()
                    .and_then(|n| period.checked_mul(n))
                    .and_then(|d| scheduled.checked_add(d))
                    .unwrap_or_else(|| after(now, period))
            }
            _ => next,
        };
        self.sleep.reset(self.next);
        Poll::Ready(scheduled)
    }

    /// Starts the ticks over one period from now: the next tick is at
    /// `now + period`, and the ones after follow from it (tokio's `reset`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use runtime::time::{self, Instant};
    ///
    /// let rt = runtime::Builder::new_current_thread().start_paused(true).build().unwrap();
    /// rt.block_on(async {
    ///     let mut every = time::interval(Duration::from_secs(10));
    ///     every.tick().await; // the first tick is immediate
    ///     time::sleep(Duration::from_secs(4)).await;
    ///     every.reset();
    ///     let start = Instant::now();
    ///     every.tick().await;
    ///     assert_eq!(start.elapsed(), Duration::from_secs(10));
    /// });
    /// ```
    pub fn reset(&mut self) {
        self.reset_after(self.period);
    }

    /// The next tick is right away (at the next poll); later ones follow
    /// from now.
    pub fn reset_immediately(&mut self) {
        self.reset_at(Instant::now());
    }

    /// The next tick is `after` from now; later ones follow from it, one
    /// period apart. (Saturating, as [`sleep`](fn@super::sleep) does.)
    pub fn reset_after(&mut self, after: Duration) {
        let now = Instant::now();
        self.reset_at(now.checked_add(after).unwrap_or_else(Instant::far_future));
    }

    /// The next tick is at `deadline` (right away if it has passed); later
    /// ones follow from it, one period apart.
    pub fn reset_at(&mut self, deadline: Instant) {
        self.next = deadline;
        self.sleep.reset(deadline);
    }

    /// Sets what happens to missed ticks.
    pub fn set_missed_tick_behavior(&mut self, b: MissedTickBehavior) {
        self.missed = b;
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }
}

impl fmt::Debug for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interval")
            .field("next", &self.next)
            .field("period", &self.period)
            .field("missed_tick_behavior", &self.missed)
            .finish()
    }
}
