//! Task hooks: user callbacks the runtime calls when a task is spawned,
//! around each of its polls, and when it terminates
//! ([`Builder::on_task_spawn`](super::Builder::on_task_spawn) and its
//! siblings).
//!
//! The hooks of a runtime live in its settings; a task reaches them through
//! its scheduler ([`Schedule::hooks`](crate::task::Schedule)), so the harness
//! calls them without knowing the runtime. A runtime without hooks pays one
//! load and one branch per spawn, per poll and per completion. A hook that
//! panics is reported at ERROR and contained: the task, its poll and the
//! thread carry on as if it had returned.

use crate::task::{Header, Id};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::sync::Arc;

/// What a task hook is told about the task: its id, name and spawn
/// location (tokio's `TaskMeta`, with the name besides).
pub struct TaskMeta<'a> {
    id: Id,
    name: Option<&'a str>,
    spawned_at: &'static Location<'static>,
}

impl<'a> TaskMeta<'a> {
    pub(crate) fn of(task: &'a Header) -> TaskMeta<'a> {
        TaskMeta {
            id: task.id,
            name: task.name(),
            spawned_at: task.spawned_at,
        }
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.id
    }

    /// The name given with [`task::Builder::name`](crate::task::Builder::name).
    pub fn name(&self) -> Option<&'a str> {
        self.name
    }

    /// Where the task was spawned.
    pub fn spawned_at(&self) -> &'static Location<'static> {
        self.spawned_at
    }
}

impl fmt::Debug for TaskMeta<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskMeta")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("spawned_at", &self.spawned_at)
            .finish()
    }
}

pub(crate) type TaskCallback = Arc<dyn Fn(&TaskMeta<'_>) + Send + Sync>;

/// A runtime's task hooks (only those set).
#[derive(Clone, Default)]
pub(crate) struct TaskHooks {
    pub(crate) spawn: Option<TaskCallback>,
    pub(crate) terminate: Option<TaskCallback>,
    pub(crate) before_poll: Option<TaskCallback>,
    pub(crate) after_poll: Option<TaskCallback>,
}

impl TaskHooks {
    pub(crate) fn is_empty(&self) -> bool {
        self.spawn.is_none()
            && self.terminate.is_none()
            && self.before_poll.is_none()
            && self.after_poll.is_none()
    }

    pub(crate) fn spawned(&self, task: &Header) {
        run(self.spawn.as_ref(), task, "on_task_spawn");
    }

    pub(crate) fn terminated(&self, task: &Header) {
        run(self.terminate.as_ref(), task, "on_task_terminate");
    }

    pub(crate) fn before_poll(&self, task: &Header) {
        run(self.before_poll.as_ref(), task, "on_before_task_poll");
    }

    pub(crate) fn after_poll(&self, task: &Header) {
        run(self.after_poll.as_ref(), task, "on_after_task_poll");
    }
}

/// Calls `hook` (if set) for `task`, containing a panic (module docs).
fn run(hook: Option<&TaskCallback>, task: &Header, which: &str) {
    let Some(hook) = hook else { return };
    let meta = TaskMeta::of(task);
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| hook(&meta))) {
        let msg = runtime_blocking::internal::panic_message(&*payload).map(str::to_owned);
        // Dropping a payload runs user code, which can itself panic.
        let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
        let what = runtime_blocking::internal::Panicked(msg.as_deref());
        tracing::error!(
            hook = which,
            task.id = %meta.id,
            "a task hook {what}; the task carries on"
        );
    }
}
