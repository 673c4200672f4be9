//! A queued job: the user's closure plus the sender of its completion, in one box.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::JoinError;
use crate::oneshot::Sender;

/// A type-erased job, as it travels on the queue.
pub(crate) type BoxJob = Box<dyn Job>;

/// What a pool thread (or a drainer) can do with a job it popped. Both
/// methods consume the job, so each job is run or cancelled at most once.
pub(crate) trait Job: Send + 'static {
    /// Runs the closure, unless the job was aborted before this pickup (then
    /// the closure is dropped unrun), and delivers its value or panic.
    fn run(self: Box<Self>);

    /// Drops the closure unrun and resolves the handle as cancelled with
    /// `reason` (unless it was already aborted).
    fn cancel(self: Box<Self>, reason: &str);
}

/// The one allocation per job besides its completion cell.
pub(crate) struct Task<F, R> {
    pub(crate) f: F,
    pub(crate) tx: Sender<R>,
}

impl<F, R> Job for Task<F, R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    fn run(self: Box<Self>) {
        let Task { f, tx } = *self;
        if !tx.start() {
            // Aborted while queued: the closure never runs.
            drop(f);
            return;
        }
        let id = tx.id();
        let outcome = catch_unwind(AssertUnwindSafe(f)).map_err(|p| JoinError::panic(id, p));
        // A result nobody awaits any more is dropped here, on the pool thread.
        drop(tx.send(outcome));
    }

    fn cancel(self: Box<Self>, reason: &str) {
        let Task { f, tx } = *self;
        // The captures go before the handle resolves, so an awaiter that sees
        // the cancellation also sees their `Drop` effects.
        drop(f);
        tx.cancel(reason);
    }
}
