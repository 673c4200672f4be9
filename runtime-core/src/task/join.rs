//! `JoinHandle` and `AbortHandle`: the user's side of a task.

use super::raw::RawTask;
use super::waits::WaitOn;
use super::{Id, JoinError};
use crate::coop;
use runtime_blocking::{BlockingAbortHandle, BlockingHandle};
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
/// let rt = runtime::Runtime::new().unwrap();
/// let out = rt.block_on(async {
///     let handle = runtime::spawn(async { 6 * 7 });
///     handle.await.unwrap()
/// });
/// assert_eq!(out, 42);
/// ```
///
/// A job from [`spawn_blocking`](crate::spawn_blocking) or
/// [`run_in_executor`](crate::run_in_executor) has the very same type, so
/// async tasks and blocking jobs mix in one `Vec`, `JoinSet`, `gather` or `wait`.
pub struct JoinHandle<T> {
    inner: Inner<T>,
}

enum Inner<T> {
    /// An async task: a reference to its cell, with the join interest.
    Task {
        raw: RawTask,
        _output: PhantomData<T>,
    },
    /// A closure on a blocking pool: the pool's oneshot completion.
    Blocking(BlockingHandle<T>),
}

// SAFETY: the handle only moves the output `T` (which every task and job
// requires to be `Send`) across threads; a task's shared state is reached only
// through its state word, a blocking job's through its pool's completion.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only allows `abort`, `abort_handle`, `is_finished`,
// `id` and `name`, which touch atomics, immutable header fields, or the
// blocking completion's lock — never a `T`.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    pub(crate) fn new(raw: RawTask) -> JoinHandle<T> {
        JoinHandle {
            inner: Inner::Task {
                raw,
                _output: PhantomData,
            },
        }
    }

    pub(crate) fn blocking(handle: BlockingHandle<T>) -> JoinHandle<T> {
        JoinHandle {
            inner: Inner::Blocking(handle),
        }
    }

    /// Cancels the task: asyncio's `Task.cancel()`.
    ///
    /// A task that has not started never runs; a pending one has its future
    /// dropped before it is polled again; a task in the middle of a poll is
    /// cancelled when that poll returns. Awaiting the handle afterwards gives a
    /// `JoinError` with [`is_cancelled`](JoinError::is_cancelled) — unless the
    /// task had already finished, in which case its output is kept.
    ///
    /// A blocking job that has not started never runs; one that is running
    /// cannot be interrupted (no runtime can): it runs to the end and its
    /// result is dropped. Pass it a cancellation flag if it should stop early.
    pub fn abort(&self) {
        match &self.inner {
            Inner::Task { raw, .. } => raw.remote_abort(),
            Inner::Blocking(h) => h.abort(),
        }
    }

    /// A cloneable handle that can only abort the task.
    pub fn abort_handle(&self) -> AbortHandle
    where
        T: Send + 'static,
    {
        match &self.inner {
            Inner::Task { raw, .. } => AbortHandle::new(*raw),
            Inner::Blocking(h) => AbortHandle {
                inner: AbortInner::Blocking(h.abort_handle()),
            },
        }
    }

    /// [`abort_handle`](Self::abort_handle) for a handle known to be an
    /// async task's (a local task's output need not be `Send`).
    pub(crate) fn task_abort_handle(&self) -> AbortHandle {
        let Inner::Task { raw, .. } = &self.inner else {
            unreachable!("a blocking job's handle");
        };
        raw.header().state.ref_inc();
        AbortHandle {
            inner: AbortInner::Task(*raw),
        }
    }

    /// True once the task has finished (returned, panicked or been
    /// cancelled): asyncio's `Task.done()`. Awaiting it then will not wait.
    pub fn is_finished(&self) -> bool {
        match &self.inner {
            Inner::Task { raw, .. } => raw.header().state.load().is_complete(),
            Inner::Blocking(h) => h.is_finished(),
        }
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        match &self.inner {
            Inner::Task { raw, .. } => raw.header().id,
            Inner::Blocking(h) => h.id(),
        }
    }

    /// The name the task was spawned with
    /// ([`task::Builder::name`](super::Builder::name)): asyncio's
    /// `Task.get_name()`. `None` for unnamed tasks and blocking jobs.
    ///
    /// ```
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let h = runtime::task::Builder::new().name("fetch-1").spawn(async {}).unwrap();
    ///     assert_eq!(h.name(), Some("fetch-1"));
    ///     assert_eq!(runtime::spawn(async {}).name(), None);
    /// });
    /// ```
    pub fn name(&self) -> Option<&str> {
        match &self.inner {
            Inner::Task { raw, .. } => raw.header().name(),
            Inner::Blocking(_) => None,
        }
    }

    /// Turns this handle into one whose drop **aborts** the task, instead
    /// of detaching it: for a task that must not outlive the code that
    /// spawned it (asyncio cancels a `gather`'s children with it; a
    /// dropped `JoinHandle` does not).
    ///
    /// ```
    /// use std::time::Duration;
    /// use runtime::{task, time};
    ///
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let child = runtime::spawn(time::sleep(Duration::from_secs(60))).abort_on_drop();
    ///     // Gives up waiting after 10 ms; dropping `child` cancels the task too.
    ///     assert!(time::timeout(Duration::from_millis(10), child).await.is_err());
    ///     assert!(task::all_tasks().is_empty());
    /// });
    /// ```
    pub fn abort_on_drop(self) -> super::AbortOnDrop<T> {
        super::AbortOnDrop::new(self)
    }

    /// Cancels the task, and if no thread is polling it, drops its future
    /// right here, so it is gone (out of `all_tasks`, its destructors run)
    /// when this returns. A task in the middle of a poll elsewhere is
    /// cancelled when that poll ends, as with [`abort`](Self::abort).
    ///
    /// This is what runtime shutdown does to each task (`RawTask::shutdown`:
    /// mark it cancelled, and claim and drop the future of an idle one),
    /// given a reference of our own to consume, since the handle keeps its
    /// own. A claimed task completes here as any cancelled task does, and
    /// leaves the registry the usual way.
    pub(crate) fn cancel_now(&self) {
        match &self.inner {
            Inner::Task { raw, .. } => {
                if raw.header().state.load().is_complete() {
                    return;
                }
                raw.header().state.ref_inc();
                raw.shutdown();
            }
            Inner::Blocking(h) => h.abort(),
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let coop = std::task::ready!(coop::poll_proceed(cx));
        let out = match &mut self.inner {
            Inner::Task { raw, .. } => {
                let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
                // SAFETY: `out` has the type the task's vtable writes (this
                // handle was created for a task whose output is `T`), and
                // this handle holds the join interest until it is dropped.
                unsafe { raw.try_read_output(&mut out as *mut _ as *mut (), cx.waker()) };
                out
            }
            Inner::Blocking(h) => Pin::new(h).poll(cx),
        };
        if out.is_ready() {
            coop.made_progress();
        } else {
            super::waits::record(match &self.inner {
                Inner::Task { raw, .. } => WaitOn::Join(raw.header().id),
                Inner::Blocking(h) => WaitOn::Blocking(h.id()),
            });
        }
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if let Inner::Task { raw, .. } = &self.inner {
            raw.drop_join_handle();
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Aborts a task without owning its output. `Clone + Send + Sync`, so many
/// places can hold the right to cancel one task.
pub struct AbortHandle {
    inner: AbortInner,
}

enum AbortInner {
    /// Holds one task reference.
    Task(RawTask),
    Blocking(BlockingAbortHandle),
}

impl AbortHandle {
    /// A new handle to `task`; takes a reference of its own. The caller
    /// holds a reference meanwhile.
    pub(crate) fn new(task: RawTask) -> AbortHandle {
        task.header().state.ref_inc();
        AbortHandle {
            inner: AbortInner::Task(task),
        }
    }

    /// Cancels the task; see [`JoinHandle::abort`].
    pub fn abort(&self) {
        match &self.inner {
            AbortInner::Task(raw) => raw.remote_abort(),
            AbortInner::Blocking(h) => h.abort(),
        }
    }

    /// True once the task has finished.
    pub fn is_finished(&self) -> bool {
        match &self.inner {
            AbortInner::Task(raw) => raw.header().state.load().is_complete(),
            AbortInner::Blocking(h) => h.is_finished(),
        }
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        match &self.inner {
            AbortInner::Task(raw) => raw.header().id,
            AbortInner::Blocking(h) => h.id(),
        }
    }
}

impl Clone for AbortHandle {
    fn clone(&self) -> AbortHandle {
        match &self.inner {
            AbortInner::Task(raw) => AbortHandle::new(*raw),
            AbortInner::Blocking(h) => AbortHandle {
                inner: AbortInner::Blocking(h.clone()),
            },
        }
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        if let AbortInner::Task(raw) = &self.inner {
            raw.drop_reference();
        }
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
