use crate::coop;
use std::future::poll_fn;
use std::task::{ready, Poll};

/// Charges one unit of the task's cooperative budget, yielding to the other
/// ready tasks when it is spent: tokio's `task::consume_budget`.
///
/// A task gets 128 units per poll; the runtime's own futures (join handles,
/// timers, blocking jobs) charge one for each ready result, and once the
/// budget is spent they report `Pending` until the task has been re-queued
/// behind its neighbours. Futures from elsewhere — tokio's channels and
/// locks in [`sync`](crate::sync) included — know nothing of this budget, so
/// a loop on them that never waits never yields. Put `consume_budget` in
/// such a loop: it costs almost nothing, and yields only one call in 128
/// (where [`yield_now`](fn@super::yield_now) yields every time).
///
/// ```
/// use runtime::{sync::mpsc, task};
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let (tx, mut rx) = mpsc::unbounded_channel();
///     for i in 0..1000u64 {
///         tx.send(i).unwrap();
///     }
///     drop(tx);
///     let mut sum = 0;
///     while let Some(i) = rx.recv().await { // always ready: never yields by itself
///         sum += i;
///         task::consume_budget().await;      // so let the neighbours in now and then
///     }
///     assert_eq!(sum, 499_500);
/// });
/// ```
pub async fn consume_budget() {
    poll_fn(|cx| {
        let restore = ready!(coop::poll_proceed(cx));
        restore.made_progress();
        Poll::Ready(())
    })
    .await
}
