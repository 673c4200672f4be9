//! `JoinSet`: a set of spawned tasks, joined in completion order, all
//! aborted when the set is dropped.

use crate::task::{AbortHandle, JoinError, JoinHandle};
use futures_core::Stream;
use futures_util::stream::FuturesUnordered;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A set of tasks spawned on the current runtime, joined in the order they
/// finish. Dropping the set **aborts** every task still in it — a scope for
/// tasks, where a loose [`JoinHandle`] would detach.
///
/// ```
/// use runtime::task::JoinSet;
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
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
    /// let set = runtime::task::JoinSet::<()>::new();
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
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = runtime::task::JoinSet::new();
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
    /// assert!(runtime::task::JoinSet::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Aborts every task in the set (see [`JoinHandle::abort`]). They stay in
    /// the set: [`join_next`](Self::join_next) returns each one's result,
    /// a cancelled [`JoinError`] unless it had already finished.
    ///
    /// ```
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = runtime::task::JoinSet::new();
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
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = runtime::task::JoinSet::new();
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
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = runtime::task::JoinSet::<()>::new();
    ///     let polled = std::future::poll_fn(|cx| Poll::Ready(set.poll_join_next(cx))).await;
    ///     assert!(matches!(polled, Poll::Ready(None)));
    /// });
    /// ```
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        Pin::new(&mut self.tasks).poll_next(cx)
    }

    /// The result of a task of the set that has already finished, removing
    /// it from the set; `None` if none has (or the set is empty). Never
    /// waits, and is not limited by the cooperative budget.
    ///
    /// ```
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = runtime::task::JoinSet::new();
    ///     set.spawn(async { 1 });
    ///     assert!(set.try_join_next().is_none(), "not run yet");
    ///     runtime::task::yield_now().await;
    ///     assert_eq!(set.try_join_next().unwrap().unwrap(), 1);
    /// });
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        let mut cx = Context::from_waker(Waker::noop());
        // `FuturesUnordered` polls only members whose waker fired (each
        // finished task's did), and the members then keep the real waker
        // registered by the last `join_next` (it wraps ours per member).
        match crate::coop::with_unconstrained(|| self.poll_join_next(&mut cx)) {
            Poll::Ready(res) => res,
            Poll::Pending => None,
        }
    }

    /// Aborts every task in the set and waits until each has finished
    /// (cancelled, or done before the abort reached it); their results,
    /// panics included, are dropped. The set is empty afterwards.
    ///
    /// ```
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = runtime::task::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.shutdown().await;
    ///     assert!(set.is_empty());
    /// });
    /// ```
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Waits for every task of the set and returns their outputs, in the
    /// order they finished.
    ///
    /// # Panics
    /// If a task failed: a task's panic is resumed here, a cancelled task
    /// panics with its `JoinError`; the tasks still running are aborted (the
    /// set is dropped). Use [`join_next`](Self::join_next) to handle
    /// failures yourself.
    ///
    /// ```
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let set: runtime::task::JoinSet<u32> = (1..=3).map(|i| async move { i }).collect();
    ///     let mut out = set.join_all().await;
    ///     out.sort();
    ///     assert_eq!(out, [1, 2, 3]);
    /// });
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.len());
        while let Some(res) = self.join_next().await {
            match res {
                Ok(v) => out.push(v),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => panic!("{e}"),
            }
        }
        out
    }

    /// Removes every task from the set without aborting it: they run on,
    /// detached, as if their `JoinHandle`s had been dropped.
    ///
    /// ```
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let (tx, rx) = runtime::sync::oneshot::channel();
    ///     let mut set = runtime::task::JoinSet::new();
    ///     set.spawn(async move { tx.send("ran").unwrap() });
    ///     set.detach_all();
    ///     drop(set); // aborts nothing: the set is empty
    ///     assert_eq!(rx.await.unwrap(), "ran");
    /// });
    /// ```
    pub fn detach_all(&mut self) {
        // Dropping a handle detaches its task.
        drop(std::mem::take(&mut self.tasks));
    }

    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.task_abort_handle();
        self.tasks.push(handle);
        abort
    }

    /// Spawns a `!Send` future on the current thread's
    /// [`LocalSet`](crate::task::LocalSet) (like
    /// [`spawn_local`](crate::task::spawn_local)) as a member of the set.
    ///
    /// # Panics
    /// Where no local set runs, like [`spawn_local`](crate::task::spawn_local).
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = runtime::task::JoinSet::new();
    ///     for i in 0..3 {
    ///         set.spawn_local(async move { Rc::new(i) });
    ///     }
    ///     let mut sum = 0;
    ///     while let Some(rc) = set.join_next().await {
    ///         sum += *rc.unwrap();
    ///     }
    ///     assert_eq!(sum, 3);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
        T: 'static,
    {
        self.insert(crate::task::spawn_local(future))
    }

    /// Spawns a `!Send` future into `local` (whether or not it is running:
    /// see [`LocalSet::spawn_local`](crate::task::LocalSet::spawn_local)) as
    /// a member of the set.
    #[track_caller]
    pub fn spawn_local_on<F>(&mut self, future: F, local: &crate::task::LocalSet) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
        T: 'static,
    {
        self.insert(local.spawn_local(future))
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
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = runtime::task::JoinSet::new();
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
            future: F,
            rt.spawn_named(future, None, std::panic::Location::caller())
        );
        self.insert(handle)
    }

    /// Spawns `future` on the runtime of `handle` (like
    /// [`Handle::spawn`](crate::Handle::spawn)) as a member of the set; works
    /// outside a runtime too.
    #[track_caller]
    pub fn spawn_on<F>(&mut self, future: F, handle: &crate::Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        let at = std::panic::Location::caller();
        let task =
            super::super::spawn_maybe_boxed!(future: F, handle.spawn_named(future, None, at));
        self.insert(task)
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

/// Collects futures into a set, spawning each one as
/// [`JoinSet::spawn`] does (tokio's impl).
///
/// ```
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let set: runtime::task::JoinSet<u64> = (0..4).map(|i| async move { i * i }).collect();
///     assert_eq!(set.len(), 4);
///     assert_eq!(set.join_all().await.iter().sum::<u64>(), 14);
/// });
/// ```
///
/// # Panics
/// Outside a runtime.
impl<T, F> FromIterator<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    #[track_caller]
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> JoinSet<T> {
        let mut set = JoinSet::new();
        set.extend(iter);
        set
    }
}

/// Spawns each future into the set, as [`JoinSet::spawn`] does (tokio's
/// impl).
///
/// ```
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let mut set = runtime::task::JoinSet::new();
///     set.spawn(async { 1 });
///     set.extend((2..=3).map(|i| async move { i }));
///     assert_eq!(set.join_all().await.len(), 3);
/// });
/// ```
///
/// # Panics
/// Outside a runtime.
impl<T, F> Extend<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    #[track_caller]
    fn extend<I: IntoIterator<Item = F>>(&mut self, iter: I) {
        for future in iter {
            self.spawn(future);
        }
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
