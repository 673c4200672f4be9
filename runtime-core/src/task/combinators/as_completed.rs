//! `as_completed`: a stream of `(index, output)` in completion order, pulling
//! its inputs lazily, with an optional bound on how many run at once.

use super::indexed::Indexed;
use futures_core::{FusedStream, Stream};
use futures_util::stream::FuturesUnordered;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs the futures of `futures` concurrently and yields each one's output
/// as it finishes, tagged with its input index: asyncio's `as_completed`,
/// answering "which one finished?".
///
/// The returned [`AsCompleted`] yields `(index, output)` pairs from its own
/// [`next`](AsCompleted::next), and is a [`Stream`](https://docs.rs/futures-core/0.3/futures_core/stream/trait.Stream.html) of them. It
/// pulls `futures` lazily — a future is created only when there is room for
/// it — so [`limit`](AsCompleted::limit) can bound how many are alive at
/// once, and a million inputs run in bounded memory. Without a limit, every
/// input is pulled at the first poll. The futures run inside the task that
/// polls the stream (nothing is spawned), so they make progress only while
/// it is being polled — spawn them and pass the join handles to keep them
/// running in between. Only woken futures are polled again.
///
/// Dropping the stream drops the inputs it pulled and the iterator with
/// the rest. For spawned tasks that **detaches** them (they keep running);
/// pass [`handle.abort_on_drop()`](crate::task::JoinHandle::abort_on_drop)s
/// to cancel them with the stream.
///
/// ```
/// use runtime::task;
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     // Inputs 0 and 2 wait for a yield; input 1 is ready at once.
///     let futs = (0..3).map(|i| async move {
///         if i != 1 {
///             task::yield_now().await;
///         }
///         i * 10
///     });
///     let mut stream = task::as_completed(futs).limit(2);
///     let (first, out) = stream.next().await.unwrap();
///     assert_eq!((first, out), (1, 10));
///     let mut rest = 0;
///     while let Some((_index, _out)) = stream.next().await {
///         rest += 1;
///     }
///     assert_eq!(rest, 2);
/// });
/// ```
pub fn as_completed<I>(futures: I) -> AsCompleted<I::IntoIter>
where
    I: IntoIterator,
    I::Item: Future,
{
    AsCompleted {
        inputs: Some(futures.into_iter()),
        next_index: 0,
        limit: usize::MAX,
        in_flight: FuturesUnordered::new(),
    }
}

/// The stream returned by [`as_completed`]: `(index, output)` pairs in
/// completion order. Also a `FusedStream`; [`Debug`](fmt::Debug) shows how
/// many inputs were pulled and how many are in flight.
///
/// ```
/// use runtime::task;
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let mut stream = task::as_completed((0..3).map(std::future::ready)).limit(2);
///     while let Some((index, output)) = stream.next().await {
///         assert_eq!(index, output);
///     }
///     assert_eq!(stream.in_flight(), 0);
/// });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct AsCompleted<I>
where
    I: Iterator,
    I::Item: Future,
{
    /// The inputs not pulled yet; `None` once the iterator returned `None`
    /// (it is never called again after that).
    inputs: Option<I>,
    /// The index the next input pulled gets: how many were pulled so far.
    next_index: usize,
    /// At most this many futures in `in_flight`; `usize::MAX` for no limit.
    /// Never 0.
    limit: usize,
    /// Pulled inputs that have not finished; a future is dropped as soon as
    /// it finishes, so `in_flight.len()` counts the live ones.
    in_flight: FuturesUnordered<Indexed<I::Item>>,
}

// Nothing is pinned structurally: the futures live in `FuturesUnordered`'s
// own heap nodes, and the iterator is only used through `&mut`.
impl<I> Unpin for AsCompleted<I>
where
    I: Iterator,
    I::Item: Future,
{
}

impl<I> AsCompleted<I>
where
    I: Iterator,
    I::Item: Future,
{
    /// Keeps at most `n` futures in flight: the next input is pulled from
    /// the iterator (and so created) only once one of the `n` has finished
    /// and been dropped: very many tasks, limited concurrency.
    ///
    /// # Panics
    /// If `n` is 0 (nothing could ever run).
    ///
    /// ```
    /// use runtime::task;
    ///
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// let sum = rt.block_on(async {
    ///     let futs = (0..10_000u64).map(|i| async move { i });
    ///     let mut stream = task::as_completed(futs).limit(16);
    ///     let mut sum = 0;
    ///     while let Some((_, i)) = stream.next().await {
    ///         sum += i;
    ///     }
    ///     sum
    /// });
    /// assert_eq!(sum, 49_995_000);
    /// ```
    pub fn limit(mut self, n: usize) -> Self {
        assert!(
            n > 0,
            "`as_completed(..).limit(0)` would never run anything: the limit must be at least 1"
        );
        self.limit = n;
        self
    }

    /// How many pulled futures have not finished yet (at most the
    /// [`limit`](Self::limit)).
    ///
    /// ```
    /// let stream = runtime::task::as_completed([std::future::ready(1)]);
    /// assert_eq!(stream.in_flight(), 0); // nothing is pulled before the first poll
    /// ```
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// The next input to finish, as `(index, output)`; `None` once every
    /// input has finished. What `StreamExt::next` does for the
    /// `Stream` impl, without importing a trait: `while let Some((i, out))
    /// = stream.next().await`.
    ///
    /// Cancel-safe: dropping the returned future loses no output.
    pub async fn next(&mut self) -> Option<(usize, <I::Item as Future>::Output)> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Pulls inputs until the limit is reached or the iterator runs dry.
    fn fill(&mut self) {
        while self.in_flight.len() < self.limit {
            let Some(inputs) = self.inputs.as_mut() else {
                return;
            };
            match inputs.next() {
                Some(fut) => {
                    self.in_flight.push(Indexed::new(self.next_index, fut));
                    self.next_index += 1;
                }
                None => self.inputs = None,
            }
        }
    }
}

impl<I> Stream for AsCompleted<I>
where
    I: Iterator,
    I::Item: Future,
{
    type Item = (usize, <I::Item as Future>::Output);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        // A finished future was dropped inside `FuturesUnordered` before its
        // output reached us, so there is room for exactly that many more.
        this.fill();
        // Empty `in_flight` after `fill` means the inputs are exhausted too,
        // and `FuturesUnordered` answers `None`.
        Pin::new(&mut this.in_flight).poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let (lo, hi) = self
            .inputs
            .as_ref()
            .map_or((0, Some(0)), Iterator::size_hint);
        let n = self.in_flight.len();
        (lo.saturating_add(n), hi.and_then(|hi| hi.checked_add(n)))
    }
}

impl<I> FusedStream for AsCompleted<I>
where
    I: Iterator,
    I::Item: Future,
{
    fn is_terminated(&self) -> bool {
        self.inputs.is_none() && self.in_flight.is_terminated()
    }
}

impl<I> fmt::Debug for AsCompleted<I>
where
    I: Iterator,
    I::Item: Future,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("AsCompleted");
        d.field("in_flight", &self.in_flight.len())
            .field("pulled", &self.next_index)
            .field("inputs_exhausted", &self.inputs.is_none());
        if self.limit != usize::MAX {
            d.field("limit", &self.limit);
        }
        d.finish()
    }
}
