//! loom models of the crate's protocols (built only with `--cfg loom`).
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release
//! -p runtime-blocking loom`. Each model names the bug it would catch. Models
//! stay tiny (one or two jobs, at most four threads) so the whole run takes
//! a minute or two.

mod loom_oneshot;
mod loom_pool;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Wake, Waker};

use crate::loom::atomic::{AtomicU64, Ordering::SeqCst};

/// A waker that counts its wake-ups in a loom atomic (the `Arc` around it is
/// std's because `Waker::from` needs one; it is only reference counting).
pub(super) struct CountingWaker(AtomicU64);

impl Wake for CountingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

impl CountingWaker {
    pub(super) fn new() -> (std::sync::Arc<CountingWaker>, Waker) {
        let c = std::sync::Arc::new(CountingWaker(AtomicU64::new(0)));
        (c.clone(), Waker::from(c))
    }

    pub(super) fn count(&self) -> u64 {
        self.0.load(SeqCst)
    }
}

pub(super) fn poll_once<F: Future + Unpin>(f: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(waker))
}

/// Wakes a loom thread parked in [`wait`].
struct Unpark(crate::loom::thread::Thread);

impl Wake for Unpark {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }
}

/// Awaits `f` on this loom thread: polls, and parks between polls until the
/// waker unparks it. A lost wake-up shows up as a loom deadlock.
pub(super) fn wait<F: Future + Unpin>(mut f: F) -> F::Output {
    let waker = Waker::from(std::sync::Arc::new(Unpark(crate::loom::thread::current())));
    loop {
        if let Poll::Ready(v) = poll_once(&mut f, &waker) {
            return v;
        }
        crate::loom::thread::park();
    }
}
