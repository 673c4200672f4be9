//! tokio-console support (feature `console`): the `tracing` spans and
//! events that console-subscriber turns into the console's task list.
//!
//! The contract, as console-subscriber reads it:
//! * a task is a span *named* `runtime.spawn` (target `runtime::task`
//!   here), created with no parent (a parent would keep it open, and the
//!   console would lint the task as having lost its waker), with fields
//!   `kind` (`task`, `local`, `blocking`, `block_on`), `task.name` and
//!   `loc.file` as strings, `task.id` (our task id) and `loc.line` /
//!   `loc.col` as unsigned integers — the console shows no location unless
//!   all three are recorded with those types;
//! * each poll is one entry into the span, and the span closes when the
//!   task is freed;
//! * waker operations are events with *target* `runtime::waker`, `op` one
//!   of `waker.wake`, `waker.wake_by_ref`, `waker.clone`, `waker.drop` (a
//!   string), and `task.id` the *span's* id (`tracing::Id::into_u64`), not
//!   our task id: the console keys wakers by span.
//!
//! Cost: with the feature off, none of this is compiled. Compiled in with
//! no subscriber interested in `runtime::task` at TRACE, a spawn checks
//! the callsite's interest (a load and a branch), and a poll and each
//! waker operation check whether the task has a live span (a load and a
//! branch; an unnamed unobserved task keeps no span at all).

use crate::task::Header;
use std::panic::Location;
use tracing::Span;

/// The span of a new task (disabled if nobody listens).
pub(crate) fn task_span(
    kind: &'static str,
    name: Option<&str>,
    id: Option<u64>,
    at: &'static Location<'static>,
) -> Span {
    tracing::trace_span!(
        target: "runtime::task",
        parent: None,
        "runtime.spawn",
        kind = kind,
        task.name = name.unwrap_or(""),
        task.id = id,
        loc.file = at.file(),
        loc.line = at.line(),
        loc.col = at.column(),
    )
}

/// Emits a waker event for `task`, if it has a live span.
pub(crate) fn waker_op(task: &Header, op: &'static str) {
    if let Some(id) = task.span().and_then(Span::id) {
        tracing::trace!(target: "runtime::waker", op = op, task.id = id.into_u64());
    }
}

/// `f` as a blocking job the console lists (kind `blocking`): a span
/// entered while it runs.
#[track_caller]
pub(crate) fn blocking<F, R>(f: F) -> impl FnOnce() -> R + Send + 'static
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = task_span("blocking", None, None, Location::caller());
    move || span.in_scope(f)
}
