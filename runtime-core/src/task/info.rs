//! `all_tasks`: a snapshot of live tasks — asyncio's `asyncio.all_tasks()`.

use super::Id;
use crate::runtime::Handle;
use std::fmt;
use std::panic::Location;

/// What a task is doing at the moment of a snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaskState {
    /// Waiting to be woken (pending on something).
    Idle,
    /// Woken and queued, waiting for a worker.
    Scheduled,
    /// Being polled by a worker right now.
    Running,
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaskState::Idle => "idle",
            TaskState::Scheduled => "scheduled",
            TaskState::Running => "running",
        })
    }
}

/// A snapshot of one live task; see [`all_tasks`].
///
/// Displays like `Task#12 "fetch-1" idle, spawned at src/main.rs:14:5, 3 polls`.
#[derive(Clone, Debug)]
pub struct TaskInfo {
    pub(crate) id: Id,
    pub(crate) name: Option<String>,
    pub(crate) state: TaskState,
    pub(crate) spawned_at: &'static Location<'static>,
    pub(crate) polls: u64,
}

impl TaskInfo {
    /// The task's id.
    pub fn id(&self) -> Id {
        self.id
    }
    /// The name given with [`Builder::name`](super::Builder::name).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// Idle, scheduled or running.
    pub fn state(&self) -> TaskState {
        self.state
    }
    /// Where `spawn` was called.
    pub fn spawned_at(&self) -> &'static Location<'static> {
        self.spawned_at
    }
    /// Times the task has been polled.
    pub fn polls(&self) -> u64 {
        self.polls
    }
}

impl fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Task#{}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        let s = if self.polls == 1 { "" } else { "s" };
        write!(
            f,
            " {}, spawned at {}, {} poll{s}",
            self.state, self.spawned_at, self.polls
        )
    }
}

/// Every live (spawned, not finished) task of the current runtime, ordered by
/// id: asyncio's `asyncio.all_tasks()`.
///
/// A snapshot: taken one registry shard at a time, so it is consistent per
/// task but tasks may start or finish while it is taken. Cheap enough to call
/// in production (no task is paused; each shard lock is held briefly).
///
/// # Panics
/// Outside a runtime (use [`Handle::tasks`] from elsewhere).
///
/// ```
/// let rt = runtime_core::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let h = runtime_core::task::Builder::new()
///         .name("fetch-1")
///         .spawn(std::future::pending::<()>())
///         .unwrap();
///     let tasks = runtime_core::task::all_tasks();
///     assert_eq!(tasks[0].name(), Some("fetch-1"));
///     h.abort();
/// });
/// ```
#[track_caller]
pub fn all_tasks() -> Vec<TaskInfo> {
    Handle::current().tasks()
}

/// A printable list of tasks, one per line; see [`Handle::dump`].
#[derive(Clone, Debug)]
pub struct TaskDump(pub(crate) Vec<TaskInfo>);

impl TaskDump {
    /// The tasks.
    pub fn tasks(&self) -> &[TaskInfo] {
        &self.0
    }
}

impl fmt::Display for TaskDump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.0.len() == 1 { "" } else { "s" };
        writeln!(f, "{} live task{s}:", self.0.len())?;
        for t in &self.0 {
            writeln!(f, "  {t}")?;
        }
        Ok(())
    }
}
