//! `JoinSet`: a set of spawned tasks, joined in completion order, all
//! aborted when the set is dropped.

use crate::task::{AbortHandle, JoinError, JoinHandle};
use futures_core::Stream;
use futures_util::stream::FuturesUnordered;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A set of tasks spawned on the current runtime, joined in the order they
/// finish. Dropping the set **aborts** every task still in it — a scope for
/// tasks, where a loose [`JoinHandle`] would detach.
///
/// ```
/// use runtime_core::task::JoinSet;
///
/// let rt = runtime_core::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let mut set = JoinSet::new();
///     for i in 0..3u32 {
///         set.spawn(async move { i * 2 });
///     }
///     let mut total = 0;
///     while let Some(res) = set.join_next().await {
///         total += res.unwrap();
///     }
///     assert_eq!(total, 6);
///     assert!(set.is_empty());
/// });
/// ```
//
pub struct JoinSet<T> {
    /// A handle for every task spawned into the set whose result
    /// `join_next` has not returned yet (finished or not).
    tasks: FuturesUnordered<JoinHandle<T>>,
}

impl<T> JoinSet<T> {
    /// An empty set.
    ///
    /// ```
    /// let set = runtime_core::task::JoinSet::<()>::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> JoinSet<T> {
        JoinSet {
            tasks: FuturesUnordered::new(),
        }
    }

    /// How many tasks are in the set: spawned, and not yet returned by
    /// [`join_next`](Self::join_next) (including finished ones).
    ///
    /// ```
    /// let rt = runtime_core::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = runtime_core::task::JoinSet::new();
    ///     set.spawn(async {});
    ///     assert_eq!(set.len(), 1);
    ///     set.join_next().await;
    ///     assert_eq!(set.len(), 0);
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// True when [`len`](Self::len) is 0.
    ///
    /// ```
    /// assert!(runtime_core::task::JoinSet::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Aborts every task in the set (see [`JoinHandle::abort`]). They stay in
    /// the set: [`join_next`](Self::join_next) returns each one's result,
    /// a cancelled [`JoinError`] unless it had already finished.
    ///
    /// ```
    /// let rt = runtime_core::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = runtime_core::task::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.abort_all();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort_all(&mut self) {
        for handle in self.tasks.iter() {
            handle.abort();
        }
    }

    /// Waits for the next task of the set to finish and returns its result,
    /// removing it from the set; `None` once the set is empty. Tasks come out
    /// in the order they finish.
    ///
    /// Cancel-safe: dropping the returned future before it finishes loses
    /// nothing, the task stays in the set.
    ///
    /// ```
    /// let rt = runtime_core::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = runtime_core::task::JoinSet::new();
    ///     set.spawn(async { "done" });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), "done");
    ///     assert!(set.join_next().await.is_none());
    /// });
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        std::future::poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// The poll behind [`join_next`](Self::join_next), for hand-written
    /// futures: `Ready(None)` when the set is empty, `Pending` (with `cx`'s
    /// waker registered) while no task has finished.
    ///
    /// ```
    /// use std::task::Poll;
    ///
    /// let rt = runtime_core::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = runtime_core::task::JoinSet::<()>::new();
    ///     let polled = std::future::poll_fn(|cx| Poll::Ready(set.poll_join_next(cx))).await;
    ///     assert!(matches!(polled, Poll::Ready(None)));
    /// });
    /// ```
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        Pin::new(&mut self.tasks).poll_next(cx)
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns `future` on the current runtime (like [`crate::spawn`]) as a
    /// member of the set, returning a handle that can abort it. Its result
    /// comes out of [`join_next`](Self::join_next).
    ///
    /// # Panics
    /// Outside a runtime, like [`crate::spawn`].
    ///
    /// ```
    /// let rt = runtime_core::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = runtime_core::task::JoinSet::new();
    ///     let abort = set.spawn(std::future::pending::<()>());
    ///     abort.abort();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        let rt = crate::context::current_or_panic(format_args!("`JoinSet::spawn` called"));
        let rt = crate::Handle { inner: rt };
        let handle = super::super::spawn_maybe_boxed!(
            future,
            rt.spawn_named(future, None, std::panic::Location::caller())
        );
        let abort = handle.abort_handle();
        self.tasks.push(handle);
        abort
    }

    /// Runs a blocking closure on the current runtime's blocking pool as a
    /// member of the set (see [`crate::spawn_blocking`]).
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        let handle = crate::spawn_blocking(f);
        let abort = handle.abort_handle();
        self.tasks.push(handle);
        abort
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}

impl<T> Drop for JoinSet<T> {
    /// Aborts every task still in the set; their handles are dropped with it.
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}
