use crate::coop;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs `future` outside the cooperative budget: tokio's
/// `task::unconstrained`.
///
/// Inside it the runtime's own futures (join handles, timers, blocking jobs,
/// [`consume_budget`](fn@super::consume_budget)) never report `Pending` because
/// the budget is spent, and what it does is not charged to the enclosing
/// task's budget. Use it for a short burst of work that must not be
/// interrupted; a long one starves the worker's other tasks.
///
/// ```
/// use runtime::task;
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     // 1000 budget charges, never a forced yield.
///     task::unconstrained(async {
///         for _ in 0..1000 {
///             task::consume_budget().await;
///         }
///     })
///     .await;
/// });
/// ```
pub fn unconstrained<F: Future>(future: F) -> Unconstrained<F> {
    Unconstrained { future }
}

/// The future returned by [`unconstrained`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Unconstrained<F> {
    /// Structurally pinned: never moved out while `Unconstrained` is pinned.
    future: F,
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: structural pinning of `future` (see the field): we never
        // move it out of `self`, and `Unconstrained` implements neither
        // `Drop` nor `Unpin` by hand, so the pin guarantee passes to it intact.
        let future = unsafe { self.map_unchecked_mut(|this| &mut this.future) };
        coop::with_unconstrained(|| future.poll(cx))
    }
}

impl<F> fmt::Debug for Unconstrained<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unconstrained").finish_non_exhaustive()
    }
}
