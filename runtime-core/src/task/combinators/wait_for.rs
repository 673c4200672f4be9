//! `wait_for`: await a task for at most a duration, and cancel it if it
//! takes longer.

use crate::task::{JoinError, JoinHandle};
use crate::time;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Awaits the task of `handle` for at most `duration`; if it has not
/// finished by then, **aborts** it: asyncio's `wait_for`.
///
/// Returns `Ok(result)` with the task's result if it finished in time, or
/// `Err(Elapsed)` if it had to be cancelled. Unlike
/// `time::timeout(d, handle)`, which gives up waiting but leaves the task
/// running unobserved (a known trap), this stops the work too — and, like
/// asyncio, waits for the cancellation to take effect: when `Err(Elapsed)`
/// comes back, the task's future has been dropped. (If the task finished in
/// the instant between the deadline and the abort, its real result is
/// returned instead.)
///
/// Dropping the returned future early drops the handle, which detaches the
/// task, as dropping a [`JoinHandle`] always does. The task it aborts is
/// cancelled itself, but tasks *that* task spawned keep running unless it
/// holds them as [`AbortOnDrop`](crate::task::AbortOnDrop) handles or in a
/// [`TaskGroup`](crate::task::TaskGroup), which its cancellation drops.
///
/// ```
/// use runtime::task;
/// use std::time::Duration;
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let fast = runtime::spawn(async { 7 });
///     assert_eq!(task::wait_for(Duration::from_secs(5), fast).await.unwrap().unwrap(), 7);
///
///     let slow = runtime::spawn(std::future::pending::<()>());
///     assert!(task::wait_for(Duration::from_millis(10), slow).await.is_err());
/// });
/// ```
pub fn wait_for<T>(duration: Duration, handle: JoinHandle<T>) -> WaitFor<T> {
    WaitFor {
        handle,
        timer: Some(Box::pin(time::sleep(duration))),
    }
}

/// The future returned by [`wait_for`]: `Ok(result)` if the task finished
/// in time, else `Err(Elapsed)` once the task has been aborted.
///
/// ```
/// use runtime::task::{self, WaitFor};
/// use std::time::Duration;
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let handle = runtime::spawn(std::future::pending::<()>());
///     let waiting: WaitFor<()> = task::wait_for(Duration::from_millis(5), handle);
///     assert!(format!("{waiting:?}").starts_with("WaitFor"));
///     assert!(waiting.await.is_err());
/// });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WaitFor<T> {
    handle: JoinHandle<T>,
    /// The deadline; `None` once it passed and the task was aborted (we are
    /// then waiting for the cancellation to take effect). Boxed so `WaitFor`
    /// stays `Unpin` whatever the timer is.
    timer: Option<Pin<Box<time::Sleep>>>,
}

// Nothing is pinned structurally: the handle is `Unpin`, the timer is boxed.
impl<T> Unpin for WaitFor<T> {}

impl<T> Future for WaitFor<T> {
    type Output = Result<Result<T, JoinError>, time::Elapsed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Some(timer) = this.timer.as_mut() {
            if let Poll::Ready(res) = Pin::new(&mut this.handle).poll(cx) {
                return Poll::Ready(Ok(res));
            }
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.handle.abort();
            this.timer = None;
            // Fall through: the abort may already have taken effect.
        }
        match Pin::new(&mut this.handle).poll(cx) {
            Poll::Ready(Err(e)) if e.is_cancelled() => Poll::Ready(Err(time::Elapsed::new())),
            // It finished (or panicked) before the abort could stop it.
            Poll::Ready(res) => Poll::Ready(Ok(res)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> fmt::Debug for WaitFor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitFor")
            .field("handle", &self.handle)
            .field("timed_out", &self.timer.is_none())
            .finish()
    }
}
