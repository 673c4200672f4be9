//! Time: `sleep`, `timeout`, `interval`, and the runtime's clock — asyncio's
//! `asyncio.sleep`, `wait_for` and `loop.time()`.
//!
//! Timers live in a hierarchical timing wheel (1 ms resolution, 6 levels of
//! 64 slots: `wheel.rs`) owned by each runtime; insert, cancel (drop the
//! `Sleep`) and fire are O(1) amortized. Timer futures bind to the runtime
//! at their **first poll**, not at creation, so `rt.block_on(time::sleep(d))`
//! works. Timers never fire early, whatever the deadline and however long
//! the runtime has been up (the wheel re-files deadlines beyond its
//! 2.2-year span, and a `Sleep` checks its own deadline against the clock
//! when its entry fires); they fire within about a millisecond of their
//! deadline when a worker is free (see `driver.rs` for who fires them while
//! every worker sleeps).
//!
//! Paused time: with `Builder::start_paused(true)` (current-thread flavor) or
//! after [`pause`], the clock is virtual. Whenever every task is idle, it
//! jumps straight to the next timer, so a test of `sleep(1h)` takes
//! microseconds; [`advance`] moves it by hand. [`Instant::now`] follows it.

mod clock;
pub(crate) mod driver;
mod instant;
mod interval;
mod sleep;
mod timeout;
mod wheel;

pub use instant::Instant;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, timeout_at, Elapsed, Timeout};

use crate::scheduler;
use std::time::Duration;

#[track_caller]
fn current_for(what: &str) -> scheduler::Handle {
    crate::context::current_or_panic(format_args!("{what} needs a runtime but was used"))
}

/// Freezes the clock of the current runtime: from now on time moves only by
/// [`advance`], or by jumping to the next timer whenever every task is idle.
///
/// # Panics
/// Outside a runtime, or on a multi-thread runtime (paused time needs the
/// current-thread flavor, whose single thread knows when everything is idle).
#[track_caller]
pub fn pause() {
    let handle = current_for("time::pause");
    assert!(
        handle.common().config.flavor == scheduler::Flavor::CurrentThread,
        "time::pause needs a current-thread runtime (`#[runtime::test]` or \
         `Builder::new_current_thread()`): on a multi-thread runtime other workers would \
         see time jump under them"
    );
    handle.time().clock.pause();
}

/// Lets the clock of the current runtime run again, from where it stands.
///
/// # Panics
/// Outside a runtime.
#[track_caller]
pub fn resume() {
    current_for("time::resume").time().clock.resume();
}

/// Moves paused time forward by `d`, fires every timer that is then due, and
/// lets the woken tasks run before returning.
///
/// # Panics
/// Outside a runtime, or if the clock is not paused.
///
/// ```
/// use std::time::Duration;
/// use runtime::time;
///
/// let rt = runtime::Builder::new_current_thread().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let start = time::Instant::now();
///     time::advance(Duration::from_secs(5)).await;
///     assert_eq!(start.elapsed(), Duration::from_secs(5));
/// });
/// ```
pub async fn advance(d: Duration) {
    let handle = current_for("time::advance");
    handle.time().clock.advance(d);
    handle.time().fire_due();
    crate::task::yield_now().await;
}
