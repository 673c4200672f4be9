//! `JoinHandle` and `AbortHandle`: the user's side of a task.

use super::raw::RawTask;
use super::{Id, JoinError};
use crate::coop;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// An owned permission to await a spawned task's output: asyncio's `Task`.
///
/// Awaiting it gives `Ok(output)`, or `Err(JoinError)` if the task panicked
/// or was cancelled. Dropping it **detaches** the task: it keeps running and
/// its output is dropped when it finishes (a panic is then reported through
/// `tracing`, since nobody can retrieve it).
///
/// ```
/// let rt = runtime_core::Runtime::new().unwrap();
/// let out = rt.block_on(async {
///     let handle = runtime_core::spawn(async { 6 * 7 });
///     handle.await.unwrap()
/// });
/// assert_eq!(out, 42);
/// ```
pub struct JoinHandle<T> {
    raw: RawTask,
    _output: PhantomData<T>,
}

// SAFETY: the handle only moves the output `T` (which the task requires to be
// `Send`) across threads; all shared access goes through the task's state word.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only allows `abort`, `is_finished` and `id`, which touch
// only atomics and immutable header fields.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    pub(crate) fn new(raw: RawTask) -> JoinHandle<T> {
        JoinHandle {
            raw,
            _output: PhantomData,
        }
    }

    /// Cancels the task: asyncio's `Task.cancel()`.
    ///
    /// A task that has not started never runs; a pending one has its future
    /// dropped before it is polled again; a task in the middle of a poll is
    /// cancelled when that poll returns. Awaiting the handle afterwards gives a
    /// `JoinError` with [`is_cancelled`](JoinError::is_cancelled) — unless the
    /// task had already finished, in which case its output is kept.
    pub fn abort(&self) {
        self.raw.remote_abort();
    }

    /// A cloneable handle that can only abort the task.
    pub fn abort_handle(&self) -> AbortHandle {
        self.raw.header().state.ref_inc();
        AbortHandle { raw: self.raw }
    }

    /// True once the task has finished (returned, panicked or been
    /// cancelled): asyncio's `Task.done()`. Awaiting it then will not wait.
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.raw.header().id
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let coop = std::task::ready!(coop::poll_proceed(cx));
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        // SAFETY: `out` has the type the task's vtable writes (this handle was
        // created for a task whose output is `T`), and this handle holds the
        // join interest until it is dropped.
        unsafe {
            self.raw
                .try_read_output(&mut out as *mut _ as *mut (), cx.waker())
        };
        if out.is_ready() {
            coop.made_progress();
        }
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        self.raw.drop_join_handle();
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Aborts a task without owning its output. `Clone + Send + Sync`, so many
/// places can hold the right to cancel one task.
pub struct AbortHandle {
    raw: RawTask,
}

impl AbortHandle {
    /// Cancels the task; see [`JoinHandle::abort`].
    pub fn abort(&self) {
        self.raw.remote_abort();
    }

    /// True once the task has finished.
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.raw.header().id
    }
}

impl Clone for AbortHandle {
    fn clone(&self) -> AbortHandle {
        self.raw.header().state.ref_inc();
        AbortHandle { raw: self.raw }
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}
