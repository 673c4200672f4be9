//! Cooperative budget: a task's runtime-owned leaf futures (join handles,
//! timers, blocking handles) report `Pending` after [`BUDGET`] ready results
//! in one poll, so a task looping over always-ready futures still lets its
//! queue neighbours run. The budget lives in the thread context and is reset
//! before every task poll.

use crate::context;
use std::cell::Cell;
use std::task::{Context, Poll};

/// Ready results a task may take from runtime leaf futures in one poll.
pub(crate) const BUDGET: u8 = 128;

/// Runs `f` (one poll) with a fresh budget, restoring the outer one after.
pub(crate) fn with_budget<R>(f: impl FnOnce() -> R) -> R {
    with(Some(BUDGET), f)
}

/// Runs `f` with no budget at all (`task::unconstrained`): leaf futures never
/// report `Pending` for budget reasons inside it. The outer budget, restored
/// after, is not charged for what `f` does.
pub(crate) fn with_unconstrained<R>(f: impl FnOnce() -> R) -> R {
    with(None, f)
}

/// True unless the current poll's budget is spent (always true outside
/// budgeted polls).
pub(crate) fn has_budget_remaining() -> bool {
    context::budget() != Some(0)
}

fn with<R>(budget: Option<u8>, f: impl FnOnce() -> R) -> R {
    struct Reset(Option<u8>);
    impl Drop for Reset {
        fn drop(&mut self) {
            context::set_budget(self.0);
        }
    }
    let _reset = Reset(context::budget());
    context::set_budget(budget);
    f()
}

/// Called by a leaf future before doing work. `Pending` (with the task woken
/// so it is re-queued behind others) when the budget is spent.
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    match context::budget() {
        None => Poll::Ready(RestoreOnPending(Cell::new(None))),
        Some(0) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Some(n) => {
            context::set_budget(Some(n - 1));
            Poll::Ready(RestoreOnPending(Cell::new(Some(n))))
        }
    }
}

/// Gives the unit back unless the leaf reports progress: only ready results
/// spend the budget.
pub(crate) struct RestoreOnPending(Cell<Option<u8>>);

impl RestoreOnPending {
    pub(crate) fn made_progress(&self) {
        self.0.set(None);
    }
}

impl Drop for RestoreOnPending {
    fn drop(&mut self) {
        if let Some(b) = self.0.get() {
            context::set_budget(Some(b));
        }
    }
}
