//! `Indexed`: a future tagged with its position in the caller's input, so a
//! `FuturesUnordered` (which yields in completion order) can say *which*
//! input finished.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// `fut`, whose output comes back as `(index, output)`.
///
/// `fut` is structurally pinned: it is only ever reached through
/// `Pin<&mut Indexed<F>>` in `poll`, never moved out while pinned, and
/// `Indexed` has no `Drop` impl. `Indexed<F>` is `Unpin` exactly when `F` is
/// (the auto trait; `usize` is `Unpin`), so callers that need `Unpin`
/// (`FuturesUnordered::into_iter` in `wait`) get it for join handles.
#[derive(Debug)]
pub(super) struct Indexed<F> {
    /// Position of `fut` in the caller's input.
    pub(super) index: usize,
    pub(super) fut: F,
}

impl<F> Indexed<F> {
    pub(super) fn new(index: usize, fut: F) -> Indexed<F> {
        Indexed { index, fut }
    }
}

impl<F: Future> Future for Indexed<F> {
    type Output = (usize, F::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<(usize, F::Output)> {
        // SAFETY: structural pinning of `fut` (see the type's docs): we never
        // move `fut` out of `self`, and `Indexed` implements neither `Drop`
        // nor `Unpin` by hand, so the pin guarantee passes to `fut` intact.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above; `this.fut` stays where it is for as long as
        // `self` is pinned, which is until it is dropped.
        let fut = unsafe { Pin::new_unchecked(&mut this.fut) };
        match fut.poll(cx) {
            Poll::Ready(out) => Poll::Ready((this.index, out)),
            Poll::Pending => Poll::Pending,
        }
    }
}
