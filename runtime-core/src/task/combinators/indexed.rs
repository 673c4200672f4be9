//! `Indexed`: a future tagged with its position in the caller's input, so a
//! `FuturesUnordered` (which yields in completion order) can say *which*
//! input finished.

use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pin_project! {
    /// `fut`, whose output comes back as `(index, output)`.
    ///
    /// `fut` is structurally pinned (projected by `pin-project-lite`).
    /// `Indexed<F>` is `Unpin` exactly when `F` is, so callers that need
    /// `Unpin` (`FuturesUnordered::into_iter` in `wait`) get it for join
    /// handles.
    #[derive(Debug)]
    pub(super) struct Indexed<F> {
        // Position of `fut` in the caller's input.
        pub(super) index: usize,
        #[pin]
        pub(super) fut: F,
    }
}

impl<F> Indexed<F> {
    pub(super) fn new(index: usize, fut: F) -> Indexed<F> {
        Indexed { index, fut }
    }
}

impl<F: Future> Future for Indexed<F> {
    type Output = (usize, F::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<(usize, F::Output)> {
        let this = self.project();
        match this.fut.poll(cx) {
            Poll::Ready(out) => Poll::Ready((*this.index, out)),
            Poll::Pending => Poll::Pending,
        }
    }
}
