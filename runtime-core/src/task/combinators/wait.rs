//! `wait`: wait on a batch of tasks until all, the first, or the first
//! failed one finished — or a timeout passed — and hand back both the
//! results and the still-running tasks.

use super::indexed::Indexed;
use crate::task::{JoinError, JoinHandle};
use crate::time;
use futures_core::Stream;
use futures_util::stream::FuturesUnordered;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// When [`wait`] returns: asyncio's `return_when`.
///
/// ```
/// use runtime::task::ReturnWhen;
/// assert_eq!(ReturnWhen::default(), ReturnWhen::AllCompleted);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReturnWhen {
    /// When every task has finished (or the timeout passed).
    #[default]
    AllCompleted,
    /// When any task has finished (or the timeout passed).
    FirstCompleted,
    /// When any task finished with an `Err(JoinError)` — it panicked or was
    /// cancelled — or when all have finished (or the timeout passed).
    FirstException,
}

/// Waits for the tasks of `handles` until `return_when` is satisfied or
/// `timeout` passes, and returns `(done, pending)`: asyncio's `wait`.
///
/// * `done`: `(index, result)` for every task seen to finish, in the order
///   they were seen — including any others already finished when the
///   condition was met;
/// * `pending`: `(index, handle)` for the rest, in input order. **They keep
///   running**: await, abort or drop (detach) the handles as you see fit.
///
/// `index` is the task's position in `handles`. With `timeout` of `None`
/// there is no time limit. An empty `handles` returns two empty lists at
/// once. Dropping the returned future before it finishes drops the handles,
/// which detaches the tasks (as dropping a [`JoinHandle`] always does): to
/// cancel them instead, abort the `pending` ones yourself once it returns,
/// or keep the tasks in a [`TaskGroup`](crate::task::TaskGroup) or
/// [`JoinSet`](crate::task::JoinSet), which abort theirs when dropped.
///
/// ```
/// use runtime::task::{self, ReturnWhen};
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let quick = runtime::spawn(async { 1 });
///     let stuck = runtime::spawn(std::future::pending::<i32>());
///     let (done, pending) = task::wait(vec![quick, stuck], ReturnWhen::FirstCompleted, None).await;
///     assert_eq!(done.len(), 1);
///     assert_eq!(done[0].0, 0);
///     assert_eq!(*done[0].1.as_ref().unwrap(), 1);
///     assert_eq!(pending.len(), 1);
///     assert_eq!(pending[0].0, 1);
///     pending[0].1.abort();
/// });
/// ```
pub fn wait<T>(
    handles: Vec<JoinHandle<T>>,
    return_when: ReturnWhen,
    timeout: Option<Duration>,
) -> Wait<T> {
    let in_flight = handles
        .into_iter()
        .enumerate()
        .map(|(i, h)| Indexed::new(i, h))
        .collect();
    Wait {
        in_flight,
        done: Vec::new(),
        return_when,
        timeout: timeout.map(|d| Box::pin(time::sleep(d))),
        finished: false,
    }
}

/// The future returned by [`wait`]: resolves to `(done, pending)`.
///
/// ```
/// use runtime::task::{self, ReturnWhen};
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let handles = vec![runtime::spawn(async { 1 }), runtime::spawn(async { 2 })];
///     let waiting: task::Wait<i32> = task::wait(handles, ReturnWhen::AllCompleted, None);
///     let (done, pending) = waiting.await;
///     assert_eq!(done.len(), 2);
///     assert!(pending.is_empty());
/// });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Wait<T> {
    /// The tasks not seen to finish yet, each tagged with its input index.
    in_flight: FuturesUnordered<Indexed<JoinHandle<T>>>,
    /// The tasks seen to finish, in the order they were seen.
    done: Vec<(usize, Result<T, JoinError>)>,
    return_when: ReturnWhen,
    /// Fires at the deadline; `None` for no time limit. Boxed so `Wait`
    /// stays `Unpin` whatever the timer is.
    timeout: Option<Pin<Box<time::Sleep>>>,
    /// Set when `poll` returned `Ready`; polling again panics.
    finished: bool,
}

// Nothing is pinned structurally: the handles live in `FuturesUnordered`'s
// heap nodes (and are `Unpin` anyway), the timer is boxed.
impl<T> Unpin for Wait<T> {}

impl<T> Wait<T> {
    /// The condition was met: collects whatever else has already finished
    /// (without waiting) and splits the rest off as `pending`.
    #[allow(clippy::type_complexity)]
    fn finish(
        &mut self,
        cx: &mut Context<'_>,
    ) -> (
        Vec<(usize, Result<T, JoinError>)>,
        Vec<(usize, JoinHandle<T>)>,
    ) {
        while let Poll::Ready(Some(item)) = Pin::new(&mut self.in_flight).poll_next(cx) {
            self.done.push(item);
        }
        let mut pending: Vec<_> = std::mem::take(&mut self.in_flight)
            .into_iter()
            .map(|Indexed { index, fut }| (index, fut))
            .collect();
        pending.sort_unstable_by_key(|&(i, _)| i);
        self.finished = true;
        self.timeout = None;
        (std::mem::take(&mut self.done), pending)
    }
}

impl<T> Future for Wait<T> {
    type Output = (
        Vec<(usize, Result<T, JoinError>)>,
        Vec<(usize, JoinHandle<T>)>,
    );

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        assert!(!this.finished, "`Wait` polled after it completed");
        loop {
            match Pin::new(&mut this.in_flight).poll_next(cx) {
                Poll::Ready(Some(item)) => {
                    let failed = item.1.is_err();
                    this.done.push(item);
                    let met = match this.return_when {
                        ReturnWhen::AllCompleted => false,
                        ReturnWhen::FirstCompleted => true,
                        ReturnWhen::FirstException => failed,
                    };
                    if met {
                        return Poll::Ready(this.finish(cx));
                    }
                }
                Poll::Ready(None) => return Poll::Ready(this.finish(cx)),
                Poll::Pending => break,
            }
        }
        // Checked only after collecting what is ready, so even a zero
        // timeout returns the tasks that had already finished.
        if let Some(timer) = this.timeout.as_mut() {
            if timer.as_mut().poll(cx).is_ready() {
                return Poll::Ready(this.finish(cx));
            }
        }
        Poll::Pending
    }
}

impl<T> fmt::Debug for Wait<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("return_when", &self.return_when)
            .field("done", &self.done.len())
            .field("pending", &self.in_flight.len())
            .field("has_timeout", &self.timeout.is_some())
            .finish()
    }
}
