//! `TaskGroup`: asyncio 3.11's `TaskGroup` — tasks that live and die
//! together, joined in spawn order.

use super::indexed::Indexed;
use crate::task::{AbortHandle, JoinError, JoinHandle};
use futures_core::Stream;
use futures_util::stream::FuturesUnordered;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;

/// Tasks that succeed or fail together: asyncio 3.11's `TaskGroup`.
///
/// [`spawn`](Self::spawn) tasks into the group, then [`join`](Self::join)
/// it: the result is every task's output **in spawn order**, or the first
/// failure. A failure (a task that panicked or was cancelled: an
/// `Err(`[`JoinError`]`)`) aborts every other task of the group, and `join`
/// returns that error only once each of them has finished cancelling, so
/// nothing of the group is left running — as `async with TaskGroup()` does.
/// For tasks that return `Result`s, [`try_join`](Self::try_join) treats an
/// `Err` output as a failure too.
///
/// Dropping the group, or the `join` future before it finished (a
/// [`time::timeout`](crate::time::timeout) or a cancelled parent task),
/// **aborts** every task in it. Tasks that no thread is polling at that
/// moment are cancelled right away, on the dropping thread: their futures
/// are dropped before the drop returns. One in the middle of a poll is
/// cancelled when that poll ends.
///
/// | | results | a task fails | dropped |
/// | --- | --- | --- | --- |
/// | `TaskGroup` | all, in spawn order | the rest are aborted and awaited | aborts all |
/// | [`JoinSet`](super::JoinSet) | one at a time, in completion order | nothing happens to the rest | aborts all |
/// | [`gather`](fn@super::gather) of handles | all, in input order | nothing happens to the rest | detaches all |
///
/// ```
/// use std::time::Duration;
/// use runtime::{task::TaskGroup, time};
///
/// # let rt = runtime::Builder::new_current_thread().start_paused(true).build().unwrap();
/// # rt.block_on(async {
/// let mut group = TaskGroup::new();
/// for i in [3u64, 1, 2] {
///     group.spawn(async move {
///         time::sleep(Duration::from_millis(10 * i)).await;
///         i
///     });
/// }
/// assert_eq!(group.join().await.unwrap(), [3, 1, 2]); // spawn order
///
/// let mut group = TaskGroup::new();
/// group.spawn(async { time::sleep(Duration::from_secs(3600)).await });
/// group.spawn(async { panic!("boom") });
/// let err = group.join().await.unwrap_err();
/// assert!(err.is_panic()); // and the sleeper was cancelled and is gone
/// assert!(runtime::task::all_tasks().is_empty());
/// # });
/// ```
pub struct TaskGroup<T> {
    /// Every task spawned into the group and not yet joined, tagged with
    /// its spawn index.
    tasks: FuturesUnordered<Indexed<JoinHandle<T>>>,
    /// How many tasks were spawned: the next task's index.
    spawned: usize,
}

impl<T> TaskGroup<T> {
    /// An empty group.
    pub fn new() -> TaskGroup<T> {
        TaskGroup {
            tasks: FuturesUnordered::new(),
            spawned: 0,
        }
    }

    /// How many tasks are in the group (finished or not).
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// True when no task is in the group.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Aborts every task in the group (see
    /// [`JoinHandle::abort`](crate::task::JoinHandle::abort)); `join` then
    /// returns the first cancellation it sees, unless every task had
    /// already finished.
    pub fn abort_all(&self) {
        for task in self.tasks.iter() {
            task.fut.abort();
        }
    }

    fn push(&mut self, handle: JoinHandle<T>) -> AbortHandle
    where
        T: Send + 'static,
    {
        let abort = handle.abort_handle();
        self.tasks.push(Indexed::new(self.spawned, handle));
        self.spawned += 1;
        abort
    }

    /// Waits for every task and returns their outputs in spawn order, or
    /// the first failure: the first task seen to finish with a
    /// [`JoinError`] (a panic or a cancellation). On a failure the other
    /// tasks are aborted, and `join` waits until each has finished (its
    /// future dropped) before it returns the error; their results,
    /// including further failures, are dropped. A running blocking job
    /// cannot be interrupted, so a failure waits for those to end.
    ///
    /// An empty group joins at once to an empty `Vec`.
    pub async fn join(self) -> Result<Vec<T>, JoinError> {
        self.join_with(|res| res).await
    }

    /// Waits for every task, aborting the rest on the first failure, and
    /// returns the outputs in spawn order; `map` turns each finished task's
    /// result into an output or a failure.
    async fn join_with<U, E>(
        mut self,
        mut map: impl FnMut(Result<T, JoinError>) -> Result<U, E>,
    ) -> Result<Vec<U>, E> {
        let mut outputs: Vec<Option<U>> =
            std::iter::repeat_with(|| None).take(self.spawned).collect();
        while let Some((i, res)) = poll_fn(|cx| Pin::new(&mut self.tasks).poll_next(cx)).await {
            match map(res) {
                Ok(out) => outputs[i] = Some(out),
                Err(e) => {
                    self.cancel_all();
                    // Wait until every other task is gone, as asyncio does.
                    while poll_fn(|cx| Pin::new(&mut self.tasks).poll_next(cx))
                        .await
                        .is_some()
                    {}
                    return Err(e);
                }
            }
        }
        Ok(outputs.into_iter().flatten().collect())
    }

    /// Cancels every task, dropping at once the futures of those that are
    /// not being polled (see the type's docs).
    fn cancel_all(&self) {
        for task in self.tasks.iter() {
            task.fut.cancel_now();
        }
    }
}

impl<T, E> TaskGroup<Result<T, E>> {
    /// [`join`](Self::join) for tasks that return `Result`: an `Err` output
    /// is a failure too. Returns every `Ok` value in spawn order, or the
    /// first failure — a task's `Err(e)`, or a [`JoinError`] converted with
    /// `E::from` (`std::io::Error` has that conversion) — once the other
    /// tasks have been aborted and have finished.
    ///
    /// ```
    /// use runtime::task::TaskGroup;
    ///
    /// # let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// # rt.block_on(async {
    /// let mut group = TaskGroup::new();
    /// group.spawn(async { Ok(1) });
    /// group.spawn(async { Err(std::io::Error::other("refused")) });
    /// group.spawn(std::future::pending());
    /// let err = group.try_join().await.unwrap_err();
    /// assert_eq!(err.to_string(), "refused");
    /// # });
    /// ```
    pub async fn try_join(self) -> Result<Vec<T>, E>
    where
        E: From<JoinError>,
    {
        self.join_with(|res| res.map_err(E::from).and_then(|out| out))
            .await
    }
}

impl<T: Send + 'static> TaskGroup<T> {
    /// Spawns `future` on the current runtime (like [`crate::spawn`]) as a
    /// member of the group, returning a handle that can abort it (which
    /// makes the group's `join` fail with that cancellation).
    ///
    /// # Panics
    /// Outside a runtime, like [`crate::spawn`].
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        let rt = crate::context::current_or_panic(format_args!("`TaskGroup::spawn` called"));
        let rt = crate::Handle { inner: rt };
        let handle = super::super::spawn_maybe_boxed!(
            future: F,
            rt.spawn_named(future, None, std::panic::Location::caller())
        );
        self.push(handle)
    }

    /// Runs a blocking closure on the current runtime's blocking pool as a
    /// member of the group (see [`crate::spawn_blocking`]). Once it is
    /// running it cannot be aborted: a failure of the group waits for it.
    ///
    /// # Panics
    /// Outside a runtime, like [`crate::spawn_blocking`].
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        let handle = crate::spawn_blocking(f);
        self.push(handle)
    }
}

impl<T> Default for TaskGroup<T> {
    fn default() -> TaskGroup<T> {
        TaskGroup::new()
    }
}

impl<T> Drop for TaskGroup<T> {
    fn drop(&mut self) {
        self.cancel_all();
    }
}

impl<T> fmt::Debug for TaskGroup<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("tasks", &self.tasks.len())
            .field("spawned", &self.spawned)
            .finish()
    }
}
