//! Where the runtime calls code it does not own from its own threads — a
//! waker's `wake` or `drop` — a panic is contained and reported, never
//! allowed to unwind through a worker loop.
//!
//! The policy: a panic in user waker code that the runtime calls
//! (a timer firing, an I/O event, a join waker) is caught where the call is
//! made and reported at ERROR through `tracing`, like a task's unretrieved
//! panic; the woken task simply does not learn of that wake-up. Anything
//! else that unwinds out of a worker's loop is a bug in the runtime: the
//! worker aborts the process with a message that says so (as tokio does)
//! rather than leave a half-dead runtime whose tasks silently stop running.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::Waker;

/// Wakes `waker`, containing a panic from its `wake` (or its `drop`). `by`
/// names who woke it, for the report.
pub(crate) fn wake(waker: Waker, by: &str) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| waker.wake())) {
        report(by, &*panic);
        // The payload's own destructor may panic too.
        let _ = catch_unwind(AssertUnwindSafe(move || drop(panic)));
    }
}

fn report(by: &str, panic: &(dyn std::any::Any + Send)) {
    use runtime_blocking::internal::{panic_message, Panicked};
    tracing::error!(
        "a waker woken by {by} {}; the runtime carries on, and the task that owns \
         the waker misses this wake-up",
        Panicked(panic_message(panic)),
    );
}

/// Aborts the process: something unwound out of a worker's loop, which only
/// a bug in the runtime can cause. Called from a guard's `Drop` while the
/// thread is panicking.
pub(crate) fn abort_worker_panicked() -> ! {
    eprintln!(
        "runtime: a worker thread panicked outside any task (a bug in the runtime); \
         aborting the process rather than leave the runtime half-dead"
    );
    std::process::abort()
}
