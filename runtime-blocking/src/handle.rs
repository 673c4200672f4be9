//! The user's side of a job: [`BlockingHandle`], [`BlockingAbortHandle`], [`QueueFull`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::error::{Id, JoinError};
use crate::oneshot::{AbortRef, AbortTarget, Receiver};

/// A future of a blocking job's result, returned by
/// [`BlockingPool::spawn`](crate::BlockingPool::spawn).
///
/// It resolves to `Ok(value)`, to `Err(e)` with [`e.is_panic()`](JoinError::is_panic)
/// if the closure panicked, or to `Err(e)` with
/// [`e.is_cancelled()`](JoinError::is_cancelled) if the job never ran (aborted
/// before a thread picked it up, the pool shut down first, its queue was full,
/// or no thread could be started). It works with any executor: completion wakes
/// the awaiting task's waker exactly once.
///
/// Dropping the handle *detaches* the job: it still runs, and its result is
/// dropped on the pool thread.
///
/// ```
/// # use runtime::blocking::BlockingPool;
/// let pool = BlockingPool::new(2);
/// let handle = pool.spawn(|| 6 * 7);
/// // Any executor can await it; here, a runtime's `block_on`.
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// assert_eq!(rt.block_on(handle).unwrap(), 42);
/// ```
pub struct BlockingHandle<R> {
    rx: Receiver<R>,
}

impl<R> BlockingHandle<R> {
    pub(crate) fn new(rx: Receiver<R>) -> BlockingHandle<R> {
        BlockingHandle { rx }
    }

    /// Cancels the job if no thread has picked it up yet: then the closure
    /// never runs (it is dropped unrun) and this handle resolves to a
    /// cancellation at once.
    ///
    /// A job that has started **cannot be interrupted** (no thread pool can
    /// safely stop a thread mid-call): `abort` then does nothing, and the
    /// handle resolves to the job's real result. To make long work stoppable,
    /// pass it a flag and check it between steps:
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    /// # use runtime::blocking::BlockingPool;
    ///
    /// let pool = BlockingPool::new(1);
    /// let stop = Arc::new(AtomicBool::new(false));
    /// let flag = stop.clone();
    /// let handle = pool.spawn(move || {
    ///     let mut steps = 0u64;
    ///     while !flag.load(Ordering::Relaxed) {
    ///         steps += 1; // one bounded step of real work
    ///         std::thread::yield_now();
    ///     }
    ///     steps
    /// });
    /// stop.store(true, Ordering::Relaxed); // instead of (or beside) `handle.abort()`
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// let steps = rt.block_on(handle).unwrap();
    /// # let _ = steps;
    /// ```
    pub fn abort(&self) {
        self.rx.inner().abort();
    }

    /// A handle that can abort this job from elsewhere without awaiting it.
    pub fn abort_handle(&self) -> BlockingAbortHandle
    where
        R: Send + 'static,
    {
        BlockingAbortHandle {
            target: Box::new(AbortRef(self.rx.inner().clone())),
        }
    }

    /// True once the result is ready (the job finished, panicked or was
    /// cancelled): awaiting the handle will not wait.
    pub fn is_finished(&self) -> bool {
        self.rx.inner().is_finished()
    }

    /// The job's id, unique among all tasks and jobs of the process.
    pub fn id(&self) -> Id {
        self.rx.inner().id()
    }
}

impl<R> Future for BlockingHandle<R> {
    type Output = Result<R, JoinError>;

    /// # Panics
    /// If polled again after it returned `Poll::Ready`.
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.rx).poll(cx)
    }
}

impl<R> fmt::Debug for BlockingHandle<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Aborts a blocking job from anywhere, without owning its result.
///
/// Made by [`BlockingHandle::abort_handle`]; cheap to clone, `Send + Sync`.
/// [`abort`](Self::abort) has the same effect and limits as
/// [`BlockingHandle::abort`]: it stops a job that has not started, never one
/// that is running.
pub struct BlockingAbortHandle {
    target: Box<dyn AbortTarget>,
}

impl BlockingAbortHandle {
    /// Cancels the job if no thread has picked it up yet; no effect on a
    /// running or finished job. See [`BlockingHandle::abort`].
    pub fn abort(&self) {
        self.target.abort();
    }

    /// True once the job's result exists (finished, panicked or cancelled).
    pub fn is_finished(&self) -> bool {
        self.target.is_finished()
    }

    /// The job's id.
    pub fn id(&self) -> Id {
        self.target.id()
    }
}

impl Clone for BlockingAbortHandle {
    fn clone(&self) -> BlockingAbortHandle {
        BlockingAbortHandle {
            target: self.target.clone_box(),
        }
    }
}

impl fmt::Debug for BlockingAbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingAbortHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// [`BlockingPool::try_spawn`](crate::BlockingPool::try_spawn) found the queue
/// at its [`queue_limit`](crate::Builder::queue_limit). Nothing was queued and
/// nothing ran; the closure is inside, to retry or run elsewhere.
///
/// ```
/// # use runtime::blocking::BlockingPool;
/// # let pool = BlockingPool::builder().max_threads(1).queue_limit(1).build().unwrap();
/// # let (tx, rx) = std::sync::mpsc::channel::<()>();
/// # let busy = pool.spawn(move || rx.recv().unwrap());
/// # let queued = pool.spawn(|| ());
/// match pool.try_spawn(|| 1 + 1) {
///     Ok(handle) => { /* queued */ drop(handle) }
///     Err(full) => {
///         let job = full.into_inner(); // not lost: run it here instead
///         assert_eq!(job(), 2);
///     }
/// }
/// # tx.send(()).unwrap();
/// ```
pub struct QueueFull<F> {
    job: F,
    limit: usize,
}

impl<F> QueueFull<F> {
    pub(crate) fn new(job: F, limit: usize) -> QueueFull<F> {
        QueueFull { job, limit }
    }

    /// The closure that was not queued.
    pub fn into_inner(self) -> F {
        self.job
    }

    /// The pool's queue limit.
    pub fn limit(&self) -> usize {
        self.limit
    }
}

impl<F> fmt::Debug for QueueFull<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueFull")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl<F> fmt::Display for QueueFull<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the blocking pool's queue is full ({} jobs waiting); the job was not queued",
            self.limit
        )
    }
}

impl<F> std::error::Error for QueueFull<F> {}
