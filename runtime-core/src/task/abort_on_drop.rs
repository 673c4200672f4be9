//! `AbortOnDrop`: a `JoinHandle` whose drop aborts the task instead of
//! detaching it.

use super::{AbortHandle, Id, JoinError, JoinHandle};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A [`JoinHandle`] that **aborts** its task when dropped, from
/// [`JoinHandle::abort_on_drop`] (tokio-util calls it `AbortOnDropHandle`).
///
/// A plain `JoinHandle` detaches its task when dropped, so a task that was
/// awaiting it — cancelled by [`time::timeout`](crate::time::timeout),
/// [`task::wait_for`](super::wait_for), a dropped
/// [`gather`](super::gather), or a `select!` branch that lost — leaves it
/// running. Held as `AbortOnDrop`, the child is cancelled with whatever
/// awaits it, as asyncio cancels the children of a cancelled `gather`. For
/// several children, a [`TaskGroup`](super::TaskGroup) does the same and
/// also cancels the others when one fails.
///
/// Awaiting it gives the task's result, as with the `JoinHandle`. On drop,
/// a task that no thread is polling at that moment is cancelled right away,
/// on the dropping thread: its future is dropped before `drop` returns, so
/// it no longer counts in
/// [`all_tasks`](super::all_tasks). One in the middle of a poll is
/// cancelled when that poll returns. A running blocking job cannot be
/// interrupted (see [`JoinHandle::abort`]).
///
/// ```
/// use std::time::Duration;
/// use runtime::{task, time};
///
/// # let rt = runtime::Builder::new_current_thread().start_paused(true).build().unwrap();
/// # rt.block_on(async {
/// // asyncio: `await asyncio.wait_for(asyncio.gather(a, b), 0.5)` cancels a and b.
/// let children = [1, 2].map(|i| {
///     runtime::spawn(time::sleep(Duration::from_secs(i))).abort_on_drop()
/// });
/// let both = task::gather(children);
/// assert!(time::timeout(Duration::from_millis(500), both).await.is_err());
/// assert_eq!(task::all_tasks().len(), 0); // no orphans left running
/// # });
/// ```
#[must_use = "dropping an `AbortOnDrop` aborts its task at once"]
pub struct AbortOnDrop<T> {
    /// `None` only after `detach` took it (which consumes `self`).
    handle: Option<JoinHandle<T>>,
}

impl<T> AbortOnDrop<T> {
    pub(crate) fn new(handle: JoinHandle<T>) -> AbortOnDrop<T> {
        AbortOnDrop {
            handle: Some(handle),
        }
    }

    fn handle(&self) -> &JoinHandle<T> {
        self.handle
            .as_ref()
            .expect("an `AbortOnDrop` holds its handle until dropped or detached")
    }

    /// Cancels the task now; see [`JoinHandle::abort`].
    pub fn abort(&self) {
        self.handle().abort();
    }

    /// A cloneable handle that can only abort the task.
    pub fn abort_handle(&self) -> AbortHandle
    where
        T: Send + 'static,
    {
        self.handle().abort_handle()
    }

    /// True once the task has finished (returned, panicked or been
    /// cancelled).
    pub fn is_finished(&self) -> bool {
        self.handle().is_finished()
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.handle().id()
    }

    /// The task's name, if it was spawned with one.
    pub fn name(&self) -> Option<&str> {
        self.handle().name()
    }

    /// Gives back the plain [`JoinHandle`], whose drop detaches the task.
    ///
    /// ```
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let guarded = runtime::spawn(async { 7 }).abort_on_drop();
    ///     let plain: runtime::task::JoinHandle<i32> = guarded.detach();
    ///     assert_eq!(plain.await.unwrap(), 7);
    /// });
    /// ```
    pub fn detach(mut self) -> JoinHandle<T> {
        self.handle
            .take()
            .expect("an `AbortOnDrop` holds its handle until dropped or detached")
    }
}

impl<T> Future for AbortOnDrop<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let handle = self
            .handle
            .as_mut()
            .expect("an `AbortOnDrop` holds its handle until dropped or detached");
        Pin::new(handle).poll(cx)
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        if let Some(handle) = &self.handle {
            handle.cancel_now();
        }
    }
}

impl<T> fmt::Debug for AbortOnDrop<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.handle {
            Some(h) => f.debug_tuple("AbortOnDrop").field(h).finish(),
            None => f.write_str("AbortOnDrop(detached)"),
        }
    }
}
