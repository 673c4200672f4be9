//! `all_tasks`: a snapshot of live tasks — asyncio's `asyncio.all_tasks()`.

use super::waits::{self, Elapsed, Word};
use super::{AbortHandle, Id, RawTask};
use crate::loom::atomic::Ordering::Relaxed;
use crate::runtime::Handle;
use crate::scheduler;
use std::collections::HashMap;
use std::fmt;
use std::panic::Location;
use std::time::Duration;

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
/// Displays like `Task#12 "fetch-1" idle, spawned at src/main.rs:14:5, 3
/// polls, waiting on sleep until +1.2 s (at src/main.rs:20:9)`: an idle
/// task says what it waits on ([`waiting_on`](Self::waiting_on)), a
/// scheduled one how long ago it was woken
/// ([`since_woken`](Self::since_woken)).
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
    /// The task's wait word when the snapshot was taken (`waits.rs`).
    wait: u64,
    waiting_on: Option<String>,
    since_woken: Option<Duration>,
}

impl TaskInfo {
    /// A snapshot of `task`. The caller holds a reference to it (the
    /// registry's, under its shard lock, or the poller's, for the current
    /// task), so the header is alive while it is read.
    pub(crate) fn snapshot(task: RawTask) -> TaskInfo {
        let h = task.header();
        // The word before the state: a task woken after this load shows
        // as scheduled with its older word (still what it waited on), never
        // as idle with the stamp of a wake it has not seen yet.
        let wait = h.wait.load(Relaxed);
        let s = h.state.load();
        TaskInfo {
            id: h.id,
            name: h.name().map(str::to_owned),
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
            spawned_at: h.spawned_at,
            polls: h.polls.load(Relaxed),
            abort: AbortHandle::new(task),
            wait,
            waiting_on: None,
            since_woken: None,
        }
    }

    /// Fills in what each task of a snapshot of `handle`'s runtime waits
    /// on, and how long ago it was woken; after the registry's locks are
    /// released (this takes the timer wheel's and the reactor's).
    pub(crate) fn describe_waits(tasks: &mut [TaskInfo], handle: &scheduler::Handle) {
        let names: HashMap<Id, String> = tasks
            .iter()
            .filter_map(|t| Some((t.id, t.name.clone()?)))
            .collect();
        let name_of = |id: Id| names.get(&id).cloned();
        let now = waits::now_ns();
        for t in tasks {
            match Word::decode(t.wait) {
                Word::Waits(what) => {
                    if t.state == TaskState::Idle {
                        t.waiting_on = Some(waits::describe(what, handle, &name_of));
                    }
                }
                Word::Woken(Some(at)) => {
                    t.since_woken = Some(Duration::from_nanos(now.saturating_sub(at)));
                }
                Word::Woken(None) => {}
            }
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
    /// What the task waits on, if it is idle and waits on something of the
    /// runtime's: a timer (`sleep until +1.2 s (at src/main.rs:20:9)`), a
    /// socket's readiness (`readable on TcpStream 127.0.0.1:5000 →
    /// 127.0.0.1:40312`), another task (`join of Task#12 "worker"`), a
    /// blocking job, a signal, a child process, a file operation
    /// (`I/O on the blocking pool (fs::read)`). `None` for an idle task
    /// that waits on something the runtime does not own — a channel, a
    /// lock, a future of another crate — and for a task that is not idle.
    /// Only in lists from [`Handle::tasks`] (and [`all_tasks`],
    /// [`Handle::dump`]).
    ///
    /// It is what the runtime's futures recorded in the task's last poll
    /// as they returned `Pending`, the last of them if several did (a
    /// `select!`); a [`timeout`](crate::time::timeout) names its inner
    /// future rather than its deadline.
    pub fn waiting_on(&self) -> Option<&str> {
        self.waiting_on.as_deref()
    }

    /// How long ago the task was woken (or spawned), if the runtime knows:
    /// for a scheduled task, how long it has waited for a worker; for an
    /// idle task that waits on something the runtime does not own, about
    /// how long it has been idle. `None` for a task that waits on
    /// something of the runtime's ([`waiting_on`](Self::waiting_on)).
    ///
    /// Read from a coarse clock (a few milliseconds of resolution) that the
    /// runtime's threads refresh between tasks, unless the runtime keeps
    /// the schedule-latency histogram
    /// ([`Builder::enable_metrics_schedule_latency_histogram`](crate::Builder::enable_metrics_schedule_latency_histogram)),
    /// which stamps each wake precisely.
    pub fn since_woken(&self) -> Option<Duration> {
        self.since_woken
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
        )?;
        match (self.state, &self.waiting_on, self.since_woken) {
            (TaskState::Idle, Some(what), _) => write!(f, ", waiting on {what}"),
            (TaskState::Idle, None, woken) => {
                // Said only of a list that was described (`Handle::tasks`):
                // elsewhere nothing was looked up.
                if matches!(Word::decode(self.wait), Word::Woken(_)) {
                    f.write_str(
                        ", waiting on something the runtime does not own (a channel, a lock, ...)",
                    )?;
                }
                match woken {
                    Some(d) => write!(f, ", last woken {} ago", Elapsed(d)),
                    None => Ok(()),
                }
            }
            (TaskState::Scheduled, _, Some(d)) => write!(f, ", woken {} ago", Elapsed(d)),
            _ => Ok(()),
        }
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
