//! `gather` and `try_gather`: run many futures concurrently inside the
//! calling task and collect their outputs in input order.

use super::indexed::Indexed;
use futures_core::{Stream, TryFuture};
use futures_util::future::{IntoFuture, TryFutureExt};
use futures_util::stream::FuturesUnordered;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs every future of `futures` concurrently and returns their outputs in
/// input order: asyncio's `gather(*aws, return_exceptions=True)`.
///
/// The futures run inside the task that awaits the result — nothing is
/// spawned — so they may borrow from it and need not be `Send` or
/// `'static`. Only the futures that were woken are polled again, so a gather
/// of many futures costs in proportion to the wake-ups, not to the count.
///
/// Given [`JoinHandle`](crate::task::JoinHandle)s, it returns each task's
/// `Result<T, JoinError>`: one task's panic or cancellation is one entry
/// of the output, and the others still arrive. To stop at the first error
/// instead, use [`try_gather`].
///
/// Dropped before it finished (by [`time::timeout`](crate::time::timeout),
/// a `select!` branch that lost, or a cancelled task awaiting it), it drops
/// the futures it holds — and a dropped `JoinHandle` **detaches** its task,
/// which keeps running (asyncio cancels a gather's children with it). Pass
/// [`handle.abort_on_drop()`](crate::task::JoinHandle::abort_on_drop)s to
/// have the tasks cancelled with the gather, or spawn them into a
/// [`TaskGroup`](crate::task::TaskGroup).
///
/// ```
/// use runtime::task;
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// let out = rt.block_on(async {
///     let handles = (1..=3).map(|i| runtime::spawn(async move { i * 10 }));
///     task::gather(handles).await
/// });
/// let out: Vec<u32> = out.into_iter().map(Result::unwrap).collect();
/// assert_eq!(out, [10, 20, 30]);
/// ```
pub fn gather<I>(futures: I) -> Gather<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    let in_flight: FuturesUnordered<_> = futures
        .into_iter()
        .enumerate()
        .map(|(i, fut)| Indexed::new(i, fut))
        .collect();
    let outputs = std::iter::repeat_with(|| None)
        .take(in_flight.len())
        .collect();
    Gather {
        in_flight,
        outputs: Some(outputs),
    }
}

/// The future returned by [`gather`]: resolves to every output, in input
/// order.
///
/// A named type, so it can be stored in a struct; polling it after it
/// completed panics.
///
/// ```
/// use runtime::task::{self, Gather};
///
/// let pending: Gather<std::future::Ready<u8>> = task::gather([1, 2].map(std::future::ready));
/// assert_eq!(format!("{pending:?}"), "Gather { in_flight: 2, total: 2 }");
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// assert_eq!(rt.block_on(pending), [1, 2]);
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Gather<F: Future> {
    /// The inputs that have not finished yet, each tagged with its index.
    in_flight: FuturesUnordered<Indexed<F>>,
    /// Slot `i` holds input `i`'s output once it finished; `None` after
    /// `Gather` returned them (polling again panics).
    outputs: Option<Vec<Option<F::Output>>>,
}

// Nothing is pinned structurally: the futures live in `FuturesUnordered`'s
// own heap nodes, and the outputs are plain values.
impl<F: Future> Unpin for Gather<F> {}

impl<F: Future> Future for Gather<F> {
    type Output = Vec<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<F::Output>> {
        let this = &mut *self;
        let outputs = this
            .outputs
            .as_mut()
            .expect("`Gather` polled after it completed");
        loop {
            match Pin::new(&mut this.in_flight).poll_next(cx) {
                Poll::Ready(Some((i, out))) => outputs[i] = Some(out),
                Poll::Ready(None) => break,
                Poll::Pending => return Poll::Pending,
            }
        }
        let outputs = this.outputs.take().unwrap_or_default();
        Poll::Ready(
            outputs
                .into_iter()
                .map(|o| o.expect("every input finished before `Gather` returns"))
                .collect(),
        )
    }
}

impl<F: Future> fmt::Debug for Gather<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gather")
            .field("in_flight", &self.in_flight.len())
            .field("total", &self.outputs.as_ref().map_or(0, Vec::len))
            .finish()
    }
}

/// Runs every future of `futures` concurrently and returns their `Ok`
/// values in input order, or the first `Err`: asyncio's default `gather`,
/// without the orphans.
///
/// As soon as one future yields `Err`, that error is returned and every
/// other future is dropped at once (asyncio would leave them running). Like
/// [`gather`], the futures run inside the calling task, and only woken ones
/// are polled.
///
/// "Dropped" means what dropping means for each input, on an error as when
/// the `TryGather` itself is dropped early: a future stops, but a
/// `JoinHandle` detaches its task, which keeps running. Give it
/// [`handle.abort_on_drop()`](crate::task::JoinHandle::abort_on_drop)s, or
/// use a [`TaskGroup`](crate::task::TaskGroup) (whose
/// [`try_join`](crate::task::TaskGroup::try_join) aborts the other tasks on
/// the first error and waits until they are gone), to stop the tasks too.
///
/// ```
/// use runtime::task;
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let parse = |s: &'static str| async move { s.parse::<u8>() };
///     assert_eq!(task::try_gather(["1", "2"].map(parse)).await, Ok(vec![1, 2]));
///     assert!(task::try_gather(["1", "x", "3"].map(parse)).await.is_err());
/// });
/// ```
pub fn try_gather<I>(futures: I) -> TryGather<I::Item>
where
    I: IntoIterator,
    I::Item: TryFuture,
{
    let in_flight: FuturesUnordered<_> = futures
        .into_iter()
        .enumerate()
        .map(|(i, fut)| Indexed::new(i, TryFutureExt::into_future(fut)))
        .collect();
    let outputs = std::iter::repeat_with(|| None)
        .take(in_flight.len())
        .collect();
    TryGather {
        in_flight,
        outputs: Some(outputs),
    }
}

/// The future returned by [`try_gather`]: resolves to every `Ok` value in
/// input order, or to the first `Err`.
///
/// ```
/// use runtime::task::{self, TryGather};
///
/// let fut: TryGather<std::future::Ready<Result<u8, ()>>> =
///     task::try_gather([Ok(1), Err(())].map(std::future::ready));
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// assert_eq!(rt.block_on(fut), Err(()));
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct TryGather<F: TryFuture> {
    /// The inputs that have not finished yet, each tagged with its index.
    in_flight: FuturesUnordered<Indexed<IntoFuture<F>>>,
    /// Slot `i` holds input `i`'s `Ok` value once it finished; `None` after
    /// `TryGather` returned (polling again panics).
    outputs: Option<Vec<Option<F::Ok>>>,
}

// Nothing is pinned structurally (see `Gather`).
impl<F: TryFuture> Unpin for TryGather<F> {}

impl<F: TryFuture> Future for TryGather<F> {
    type Output = Result<Vec<F::Ok>, F::Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let outputs = this
            .outputs
            .as_mut()
            .expect("`TryGather` polled after it completed");
        loop {
            match Pin::new(&mut this.in_flight).poll_next(cx) {
                Poll::Ready(Some((i, Ok(out)))) => outputs[i] = Some(out),
                Poll::Ready(Some((_, Err(e)))) => {
                    // Drop the siblings now, not whenever the caller gets
                    // round to dropping this future.
                    this.in_flight.clear();
                    this.outputs = None;
                    return Poll::Ready(Err(e));
                }
                Poll::Ready(None) => break,
                Poll::Pending => return Poll::Pending,
            }
        }
        let outputs = this.outputs.take().unwrap_or_default();
        Poll::Ready(Ok(outputs
            .into_iter()
            .map(|o| o.expect("every input finished before `TryGather` returns"))
            .collect()))
    }
}

impl<F: TryFuture> fmt::Debug for TryGather<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryGather")
            .field("in_flight", &self.in_flight.len())
            .field("total", &self.outputs.as_ref().map_or(0, Vec::len))
            .finish()
    }
}
