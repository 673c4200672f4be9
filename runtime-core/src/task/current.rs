//! The running task: `task::id()`, `task::try_id()`, `task::current()`,
//! `task::try_current()`.
//!
//! The task harness marks the task it is polling (or whose future it is
//! dropping) in the thread context for exactly that long
//! ([`crate::context::TaskGuard`]); these read it. The `block_on` future is not a task, and
//! neither is a blocking job, so inside either there is no current task.

use super::{Id, TaskInfo};
use crate::context;

/// The id of the task being polled on this thread, as tokio's `task::id()`.
///
/// Also set while a task's future is being dropped (a cancelled task's
/// destructors see their own id).
///
/// # Panics
/// Outside a task: in `block_on`'s own future, in a blocking job
/// ([`spawn_blocking`](crate::spawn_blocking)) or off the runtime. Use
/// [`try_id`] there.
///
/// ```
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let h = runtime::spawn(async { runtime::task::id() });
///     let id = h.id();
///     assert_eq!(h.await.unwrap(), id);
/// });
/// ```
#[track_caller]
pub fn id() -> Id {
    match try_id() {
        Some(id) => id,
        None => panic!("{}", outside("task::id()", "task::try_id()")),
    }
}

/// The id of the task being polled on this thread, or `None` outside a
/// task (in `block_on`'s own future, a blocking job, or off the runtime),
/// as tokio's `task::try_id()`.
///
/// ```
/// assert_eq!(runtime::task::try_id(), None);
/// ```
pub fn try_id() -> Option<Id> {
    context::current_task().map(|task| task.header().id)
}

/// A snapshot of the task being polled on this thread — its id, name,
/// spawn location, polls so far and an abort handle — as asyncio's
/// `asyncio.current_task()`. Its state is `Running` (or `Cancelling`, if
/// it was aborted during this poll).
///
/// # Panics
/// Outside a task, as [`id`] does. Use [`try_current`] there.
///
/// ```
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let h = runtime::task::Builder::new()
///         .name("worker-1")
///         .spawn(async { runtime::task::current() })
///         .unwrap();
///     let me = h.await.unwrap();
///     assert_eq!(me.name(), Some("worker-1"));
///     assert_eq!(me.state(), runtime::task::TaskState::Running);
/// });
/// ```
#[track_caller]
pub fn current() -> TaskInfo {
    match try_current() {
        Some(info) => info,
        None => panic!("{}", outside("task::current()", "task::try_current()")),
    }
}

/// A snapshot of the task being polled on this thread, or `None` outside a
/// task; see [`current`].
///
/// ```
/// assert!(runtime::task::try_current().is_none());
/// ```
pub fn try_current() -> Option<TaskInfo> {
    // The current task is alive: the harness holds a reference to it for
    // as long as it is marked current on this thread.
    context::current_task().map(TaskInfo::snapshot)
}

fn outside(what: &str, instead: &str) -> String {
    format!(
        "`{what}` called outside a task: only code polled as a spawned task has one \
         (not `block_on`'s own future, nor a `spawn_blocking` closure). Use `{instead}` \
         where there may be none"
    )
}
