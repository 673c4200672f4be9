//! The runtime's reports of trouble the user should hear about, and their
//! counters: slow polls, panics nobody will retrieve, tasks still pending
//! when the runtime is dropped.
//!
//! Each report is one `tracing` event. A program that never installed a
//! `tracing` subscriber would see none of them, so when the thread making
//! the report has no subscriber (global or scoped), the report is printed
//! to stderr instead as one line, `runtime WARN: ...` — as Python's logging
//! prints warnings through its "last resort" handler when nothing is
//! configured. With a subscriber installed, stderr stays quiet and the
//! subscriber decides (level filters included).

use crate::loom::atomic::{AtomicU64, Ordering::Release};
use crate::scheduler::watchdog::Meanwhile;
use crate::task::{Header, JoinError, TaskInfo};
use std::fmt;
use std::time::Duration;

/// Counters of the reports made so far. Each is bumped right after its
/// report went out: whoever sees a count sees the reports it counts.
#[derive(Default)]
pub(crate) struct Reports {
    pub(crate) slow_polls: AtomicU64,
    pub(crate) unretrieved_panics: AtomicU64,
}

/// How many pending tasks the WARN line names; the DEBUG event lists all.
const NAMED_PENDING: usize = 5;

impl Reports {
    /// A task panicked and nobody holds its `JoinHandle` (asyncio's "Task
    /// exception was never retrieved").
    pub(crate) fn unhandled_panic(&self, task: &Header, error: &JoinError) {
        unhandled_panic(task, error);
        self.unretrieved_panics.fetch_add(1, Release);
    }

    /// A task's poll has run for `running` (longer than the threshold) and
    /// is still running.
    pub(crate) fn slow_poll(&self, task: u64, info: Option<&TaskInfo>, running: Duration) {
        let name = info.and_then(TaskInfo::name).unwrap_or("");
        let at = info.map(|i| i.spawned_at().to_string()).unwrap_or_default();
        let fix = "something in it blocks (std::thread::sleep, blocking I/O, a long \
                   computation, a lock held long). Move that work to \
                   `runtime::spawn_blocking`, or await an async version of it";
        if nobody_listens() {
            last_resort(
                "WARN",
                format_args!(
                    "{} has been inside one poll for {running:.1?}, blocking its worker \
                     thread all along: {fix}",
                    Task {
                        id: task,
                        name,
                        at: &at
                    },
                ),
            );
        } else {
            tracing::warn!(
                task.id = task,
                task.name = name,
                spawned_at = %at,
                running_ms = running.as_millis() as u64,
                "a task has been inside one poll for {running:.1?}, blocking its worker \
                 thread all along: {fix}",
            );
        }
        self.slow_polls.fetch_add(1, Release);
    }

    /// A poll reported by [`slow_poll`](Self::slow_poll) has ended, after
    /// `took` in all: asyncio's "Executing &lt;Task&gt; took 2.003 seconds", at
    /// WARN, with what the runtime did about it meanwhile.
    pub(crate) fn slow_poll_ended(&self, task: u64, took: Duration, meanwhile: Meanwhile) {
        let did = Did(meanwhile);
        if nobody_listens() {
            last_resort(
                "WARN",
                format_args!("Task#{task}'s slow poll ended: it took {took:.3?} in all; {did}"),
            );
        } else {
            tracing::warn!(
                task.id = task,
                took_ms = took.as_millis() as u64,
                "the slow poll of task {task} ended: it took {took:.3?} in all; {did}",
            );
        }
    }

    /// The runtime is being dropped (or shut down explicitly, `explicit`)
    /// with `pending` tasks that have not finished and were not aborted:
    /// asyncio's "Task was destroyed but it is pending!". Dropped: one WARN
    /// naming the first few, and every one at DEBUG. Shut down on purpose:
    /// DEBUG only.
    pub(crate) fn pending_at_shutdown(&self, pending: &[TaskInfo], explicit: bool) {
        if pending.is_empty() {
            return;
        }
        let n = pending.len();
        let s = if n == 1 { "" } else { "s" };
        let all = || {
            pending
                .iter()
                .map(|t| format!("\n  {t}"))
                .collect::<String>()
        };
        if explicit {
            tracing::debug!(
                pending = n,
                "runtime shut down with {n} pending task{s}, cancelled now:{}",
                all()
            );
            return;
        }
        let mut named = String::new();
        for (i, t) in pending.iter().take(NAMED_PENDING).enumerate() {
            let at = t.spawned_at().to_string();
            let task = Task {
                id: t.id().as_u64(),
                name: t.name().unwrap_or(""),
                at: &at,
            };
            let sep = if i == 0 { "" } else { ", " };
            named.push_str(&format!("{sep}{task}"));
        }
        if n > NAMED_PENDING {
            named.push_str(&format!(", and {} more", n - NAMED_PENDING));
        }
        let fix = "Await or abort them before the runtime ends (a `TaskGroup` or `JoinSet` \
                   does), or end it with `Runtime::shutdown_timeout` to cancel them on \
                   purpose (asyncio: \"Task was destroyed but it is pending!\")";
        if nobody_listens() {
            last_resort(
                "WARN",
                format_args!(
                    "runtime dropped with {n} pending task{s}, cancelled now: {named}. {fix}"
                ),
            );
        } else {
            tracing::warn!(
                pending = n,
                "runtime dropped with {n} pending task{s}, cancelled now: {named}. {fix}"
            );
            tracing::debug!(pending = n, "the pending tasks:{}", all());
        }
    }
}

/// Reports a panic that nobody will retrieve. Not counted: also used by
/// schedulers without counters (the loom models').
pub(crate) fn unhandled_panic(task: &Header, error: &JoinError) {
    let name = task.name().unwrap_or("");
    let at = task.spawned_at.to_string();
    let why = "and nobody will see it: its JoinHandle was dropped \
               (asyncio: \"Task exception was never retrieved\")";
    if nobody_listens() {
        let task = Task {
            id: task.id.as_u64(),
            name,
            at: &at,
        };
        last_resort("ERROR", format_args!("{task}: {error}, {why}"));
    } else {
        tracing::error!(
            task.id = %task.id,
            task.name = name,
            spawned_at = %at,
            "{error}, {why}",
        );
    }
}

/// True when a `tracing` event made on this thread would reach no
/// subscriber: none was set globally, nor scoped to this thread.
/// A server's accept loop hit an error it waits out (out of descriptors,
/// say) and retries every `pause` (`runtime::hyper::serve`). Once per
/// streak of such errors.
#[cfg(feature = "hyper")]
pub(crate) fn accept_paused(error: &std::io::Error, pause: Duration) {
    let fix = "the connection waits in the listener's backlog; raise the descriptor limit \
               (`ulimit -n`) or lower the load";
    if nobody_listens() {
        last_resort(
            "WARN",
            format_args!("a server's accept failed ({error}); retrying every {pause:?}: {fix}"),
        );
    } else {
        tracing::warn!(
            error = %error,
            "a server's accept failed; retrying every {pause:?}: {fix}"
        );
    }
}

fn nobody_listens() -> bool {
    tracing::dispatcher::get_default(|d| d.is::<tracing::subscriber::NoSubscriber>())
}

/// Prints one report line to stderr (through `eprintln!`, so a test
/// harness capturing output captures it too).
fn last_resort(level: &str, message: fmt::Arguments<'_>) {
    eprintln!("runtime {level}: {message}");
}

/// `Task#7 "fetch-1" (spawned at src/main.rs:14:5)`.
struct Task<'a> {
    id: u64,
    name: &'a str,
    at: &'a str,
}

impl fmt::Display for Task<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Task#{}", self.id)?;
        if !self.name.is_empty() {
            write!(f, " {:?}", self.name)?;
        }
        if !self.at.is_empty() {
            write!(f, " (spawned at {})", self.at)?;
        }
        Ok(())
    }
}

/// What the runtime did while a poll was slow, as a sentence.
struct Did(Meanwhile);

impl fmt::Display for Did {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = match self.0 {
            Meanwhile::CurrentThread => {
                return f.write_str(
                    "every other task of this current-thread runtime waited for it (one \
                     thread runs them all; a multi-thread runtime would have rescued them)",
                )
            }
            Meanwhile::NoRescue => {
                return f.write_str("the other workers ran the other tasks meanwhile")
            }
            Meanwhile::Rescued(r) => r,
        };
        let s = if r.stranded == 1 { "" } else { "s" };
        let mut parts = Vec::new();
        if let Some(w) = r.woke {
            let mut p = format!("woke worker {w}");
            match (r.stranded > 0, r.driver_unwatched) {
                (true, true) => {
                    p += &format!(" to take its {} task{s} and the reactor", r.stranded)
                }
                (true, false) => p += &format!(" to take its {} task{s}", r.stranded),
                (false, true) => p += " to take the reactor",
                (false, false) => {}
            }
            parts.push(p);
        }
        if let Some(t) = r.started {
            let mut p = format!("started rescue thread {t}");
            if r.stranded > 0 {
                p += &format!(" to run its {} task{s}", r.stranded);
            }
            if r.driver_unwatched {
                p += if r.stranded > 0 {
                    " and watch the reactor"
                } else {
                    " to watch the reactor"
                };
            }
            parts.push(p);
        }
        if parts.is_empty() {
            if r.stranded > 0 {
                write!(f, "the other workers took its {} task{s}", r.stranded)
            } else {
                f.write_str("it held no other task, and the other workers went on")
            }
        } else {
            write!(f, "meanwhile the runtime {}", parts.join(" and "))
        }
    }
}
