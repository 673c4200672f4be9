//! `all_tasks`: a snapshot of live tasks — asyncio's `asyncio.all_tasks()`.

use super::{AbortHandle, Id, RawTask};
use crate::loom::atomic::Ordering::Relaxed;
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
    /// Aborted (by [`AbortHandle::abort`], `JoinHandle::abort`, a dropped
    /// [`TaskGroup`](super::TaskGroup) or [`AbortOnDrop`](super::AbortOnDrop),
    /// ...), but its future has not been dropped yet: it is queued to be
    /// dropped, or is in the middle of a poll that must end first.
    Cancelling,
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaskState::Idle => "idle",
            TaskState::Scheduled => "scheduled",
            TaskState::Running => "running",
            TaskState::Cancelling => "cancelling",
        })
    }
}

/// A snapshot of one live task; see [`all_tasks`].
///
/// Displays like `Task#12 "fetch-1" idle, spawned at src/main.rs:14:5, 3 polls`.
///
/// It carries an [`AbortHandle`], so cancelling every task of a runtime is
/// one loop (asyncio: `for t in asyncio.all_tasks(): t.cancel()`):
///
/// ```
/// use runtime::task;
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let handles: Vec<_> = (0..3).map(|_| runtime::spawn(std::future::pending::<()>())).collect();
///     for t in task::all_tasks() {
///         t.abort_handle().abort();
///     }
///     for h in handles {
///         assert!(h.await.unwrap_err().is_cancelled());
///     }
/// });
/// ```
#[derive(Clone, Debug)]
pub struct TaskInfo {
    pub(crate) id: Id,
    name: Option<String>,
    state: TaskState,
    spawned_at: &'static Location<'static>,
    polls: u64,
    abort: AbortHandle,
}

impl TaskInfo {
    /// A snapshot of `task`. The caller holds a reference to it (the
    /// registry's, under its shard lock, or the poller's, for the current
    /// task), so the header is alive while it is read.
    pub(crate) fn snapshot(task: RawTask) -> TaskInfo {
        let h = task.header();
        let s = h.state.load();
        TaskInfo {
            id: h.id,
            name: h.meta.name.as_deref().map(str::to_owned),
            // Cancelled first: a cancelled task may still be queued or
            // inside its last poll, and what matters is that it is going.
            state: if s.is_cancelled() {
                TaskState::Cancelling
            } else if s.is_running() {
                TaskState::Running
            } else if s.is_notified() {
                TaskState::Scheduled
            } else {
                TaskState::Idle
            },
            spawned_at: h.meta.spawned_at,
            polls: h.polls.load(Relaxed),
            abort: AbortHandle::new(task),
        }
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.id
    }
    /// The name given with [`Builder::name`](super::Builder::name).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// Idle, scheduled, running or cancelling, when the snapshot was taken.
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
    /// A handle that can cancel the task (asyncio's `Task.cancel()`), valid
    /// for as long as you keep it (it keeps the task's memory, not the task,
    /// alive; aborting a finished task does nothing).
    pub fn abort_handle(&self) -> AbortHandle {
        self.abort.clone()
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
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let h = runtime::task::Builder::new()
///         .name("fetch-1")
///         .spawn(std::future::pending::<()>())
///         .unwrap();
///     let tasks = runtime::task::all_tasks();
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
    /// The tasks. A dump is for printing; to look at the tasks themselves,
    /// call [`Handle::tasks`](crate::Handle::tasks) (or
    /// [`all_tasks`] on the current runtime) instead.
    #[deprecated(
        since = "0.1.0",
        note = "a dump is for printing: use `Handle::tasks()` or `task::all_tasks()` for the list"
    )]
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
