//! Time: `sleep`, `timeout`, `interval`, and the runtime's clock — asyncio's
//! `asyncio.sleep`, `wait_for` and `loop.time()`.
//!
//! | asyncio | here |
//! | --- | --- |
//! | `await asyncio.sleep(d)` | [`sleep(d)`](fn@sleep)`.await` ([`sleep_until`] for a deadline) |
//! | `await asyncio.sleep(0)` | [`task::yield_now`](fn@crate::task::yield_now)`.await` |
//! | `await asyncio.wait_for(aw, t)` | [`timeout(t, fut)`](fn@timeout)`.await`, or [`task::wait_for`](fn@crate::task::wait_for) for a task |
//! | `async with asyncio.timeout(t)` | [`timeout`](fn@timeout) around the block's future |
//! | a `while True: ...; await asyncio.sleep(p)` loop | [`interval(p)`](fn@interval) (no drift; [`MissedTickBehavior`]) |
//! | `loop.time()` | [`Instant::now`] |
//!
//! ```
//! use runtime::time;
//! use std::time::Duration;
//!
//! # let rt = runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! time::sleep(Duration::from_millis(10)).await;
//! let slow = time::sleep(Duration::from_secs(3600));
//! assert!(time::timeout(Duration::from_millis(10), slow).await.is_err());
//! # });
//! ```
//!
//! Timers live in a timing wheel owned by each runtime (1 ms resolution;
//! starting, cancelling — dropping the [`Sleep`] — and firing a timer cost
//! O(1)). Timer futures bind to the runtime at their **first poll**, not at
//! creation, so `rt.block_on(time::sleep(d))` works. Timers never fire
//! early, whatever the deadline and however long the runtime has been up;
//! they fire within about a millisecond of their deadline when a worker is
//! free, and a worker that has nothing to run sleeps until the next one.
//!
//! Paused time: with `Builder::start_paused(true)` (current-thread flavor) or
//! after [`pause`], the clock is virtual. Whenever every task is idle, it
//! jumps straight to the next timer, so a test of `sleep(1h)` takes
//! microseconds; [`advance`] moves it by hand. [`Instant::now`] follows it.

pub(crate) mod clock;
pub(crate) mod driver;
mod instant;
mod interval;
mod sleep;
mod timeout;
pub(crate) mod wheel;

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
