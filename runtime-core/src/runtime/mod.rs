//! The runtime and its [`Builder`], [`Handle`], [`RuntimeMetrics`] and
//! [`Id`], under tokio's path: ported code that says
//! `tokio::runtime::Builder` says `runtime::runtime::Builder`. The main
//! types are also at the crate root.
//!
//! A [`Runtime`] owns the worker threads and every task on them: asyncio's
//! event loop, on every core. [`Runtime::block_on`] runs a future to
//! completion on the calling thread, [`Runtime::run_forever`] runs the
//! spawned tasks until [`Handle::stop`] or Ctrl-C, and dropping the runtime
//! cancels whatever is still running.

mod builder;
mod handle;
mod id;
mod metrics;
pub(crate) mod reports;
mod run_forever;
mod task_hooks;
#[cfg(feature = "tokio-bridge")]
pub(crate) mod tokio_bridge;

pub use builder::Builder;
pub use handle::{EnterGuard, Handle, TryCurrentError};
pub use id::Id;
pub use metrics::RuntimeMetrics;
#[cfg(feature = "hyper")]
pub(crate) use reports::accept_paused as report_accept_paused;
pub(crate) use reports::{unhandled_panic as report_unhandled_panic, Reports};
pub use run_forever::RunForever;
pub use task_hooks::TaskMeta;
pub(crate) use task_hooks::{TaskCallback, TaskHooks};

use crate::context;
use crate::loom::thread::JoinHandle as ThreadHandle;
use crate::scheduler;
use crate::scheduler::watchdog::Watchdog;
use crate::task::{JoinHandle, TaskState};
use std::fmt;
use std::future::Future;
use std::io;
use std::time::Duration;

/// The runtime: a scheduler, its worker threads, and every task on it —
/// asyncio's event loop, on every core.
///
/// Dropping it cancels every task that has not finished (each future is
/// dropped exactly once, on a worker or on the dropping thread) and waits for
/// the worker threads to exit. Dropped from inside async code, it does the
/// same without waiting for the threads, instead of panicking.
///
/// Tasks still pending when it is dropped — not finished, not aborted — are
/// reported, as asyncio's "Task was destroyed but it is pending!": one WARN
/// with their count and the first five (name, spawn location), and the full
/// list at DEBUG, through `tracing` (on stderr when no subscriber is
/// installed). A program that returns from `main` (or `block_on`) while its
/// spawned tasks are still running sees which ones never finished.
/// [`shutdown_timeout`](Self::shutdown_timeout) cancels them on purpose and
/// lists them at DEBUG only.
///
/// ```
/// use runtime::Runtime;
///
/// let rt = Runtime::new().unwrap();
/// let answer = rt.block_on(async {
///     let task = runtime::spawn(async { 40 + 2 });
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
pub struct Runtime {
    handle: Handle,
    /// Worker threads not yet joined (empty for current-thread).
    threads: Vec<ThreadHandle<()>>,
    /// Samples the workers for slow polls and stuck workers (none if both
    /// are turned off).
    watchdog: Option<Watchdog>,
    /// Set by the first shutdown (`shutdown_timeout` or drop): a later
    /// one has nothing left to do, and must not wait again.
    shut_down: bool,
}

impl Runtime {
    /// A multi-thread runtime with one worker per CPU core.
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().build()
    }

    /// Shorthand for [`Builder::new_multi_thread`].
    pub fn builder() -> Builder {
        Builder::new_multi_thread()
    }

    pub(crate) fn from_parts(
        inner: scheduler::Handle,
        threads: Vec<ThreadHandle<()>>,
        slow_poll_threshold: Option<Duration>,
    ) -> io::Result<Runtime> {
        let mut rt = Runtime {
            handle: Handle { inner },
            threads,
            watchdog: None,
            shut_down: false,
        };
        // On error, dropping `rt` shuts the workers down again.
        rt.watchdog = Watchdog::start(rt.handle.inner.clone(), slow_poll_threshold)?;
        Ok(rt)
    }

    /// Runs `future` to completion on this thread and returns its output:
    /// asyncio's `run_until_complete`. Tasks it spawns run on the workers (or,
    /// for the current-thread flavor, on this thread while it waits).
    ///
    /// It returns as soon as `future` is done, and waits for nothing it
    /// spawned. That differs from `run_until_complete` for a `main` that
    /// creates tasks and returns: asyncio's loop still runs the callbacks
    /// already ready, so each created task takes its first step (in the
    /// tutorials' example all five tasks print before "Completed All
    /// Tasks"); here `block_on` returns at once, and how many of the tasks
    /// have started by then is up to the workers (on the current-thread
    /// flavor, none: they wait for the next `block_on`). To wait for what
    /// you spawned, join it — a [`TaskGroup`](crate::task::TaskGroup), a
    /// [`JoinSet`](crate::task::JoinSet), or the handles:
    ///
    /// ```
    /// use runtime::task::JoinSet;
    ///
    /// let rt = runtime::Runtime::new().unwrap();
    /// let done = rt.block_on(async {
    ///     let mut set = JoinSet::new();
    ///     for i in 0..5 {
    ///         set.spawn(async move { i });
    ///     }
    ///     set.join_all().await // waits for all five
    /// });
    /// assert_eq!(done.len(), 5);
    /// ```
    ///
    /// # Panics
    /// If called from inside a runtime (a task, or another `block_on`):
    /// blocking that thread would stall the tasks it is meant to run. Await
    /// the future instead.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Spawns a task on this runtime; see [`crate::spawn`].
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        crate::task::spawn_maybe_boxed!(
            future: F,
            self.handle
                .spawn_named(future, None, std::panic::Location::caller())
        )
    }

    /// Runs a blocking closure on this runtime's blocking pool; see
    /// [`crate::spawn_blocking`].
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// A handle to this runtime, to spawn on it from elsewhere.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Shuts down, waiting at most `timeout` in all for worker threads
    /// stuck in a long poll and for running blocking jobs (which cannot be
    /// interrupted). Every task is cancelled and every queued blocking job
    /// dropped either way; threads still busy after the timeout are left to
    /// finish on their own. `Duration::ZERO` returns at once.
    ///
    /// Tasks still pending are cancelled on purpose here, so unlike a
    /// plain drop this does not warn about them: they are listed at DEBUG
    /// level only (see [`Runtime`]).
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Some(timeout), true);
    }

    /// Shuts down without waiting for anything: every task is cancelled and
    /// every queued blocking job dropped; worker threads still inside a
    /// poll and running blocking jobs finish on their own in the
    /// background. `shutdown_timeout(Duration::ZERO)`, as in tokio; safe to
    /// call from inside async code.
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// rt.spawn_blocking(|| std::thread::sleep(std::time::Duration::from_millis(50)));
    /// rt.shutdown_background(); // returns at once
    /// ```
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }

    /// Cancels everything and waits for the threads: for at most `timeout`
    /// (`None`: as long as running blocking jobs take). `explicit`: the
    /// user asked for it (`shutdown_timeout`), rather than dropping the
    /// runtime. Only the first call does anything.
    fn shutdown(&mut self, timeout: Option<Duration>, explicit: bool) {
        if std::mem::replace(&mut self.shut_down, true) {
            return;
        }
        // One deadline for the whole shutdown (too far to represent: none).
        let deadline = timeout.and_then(|t| std::time::Instant::now().checked_add(t));
        let left = || deadline.map(|d| d.saturating_duration_since(std::time::Instant::now()));
        let inner = &self.handle.inner;
        inner.begin_shutdown();
        // asyncio's "Task was destroyed but it is pending!": what is about
        // to be cancelled, except what was aborted already.
        let live = inner.registry().snapshot();
        let pending: Vec<_> = live
            .iter()
            .filter(|t| t.state() != TaskState::Cancelling)
            .cloned()
            .collect();
        inner.reports().pending_at_shutdown(&pending, explicit);
        drop(pending);
        // The watchdog may still report a poll running now, after the
        // registry is closed below: it finds the task's name here.
        if let Some(w) = &self.watchdog {
            w.remember(live);
        }
        // Cancel the tasks first, then wait for the threads (as tokio does):
        // a thread blocked in `block_in_place` may be waiting for what a
        // cancelled task drops. A task some worker is polling right now is
        // dropped by that worker once its poll is over.
        inner.shutdown_tasks();
        let threads = std::mem::take(&mut self.threads);
        if !context::in_runtime() && !threads.is_empty() {
            let all_exited = match (inner, left()) {
                (scheduler::Handle::Multi(s), Some(t)) => s.wait_workers(Some(t)),
                _ => true,
            };
            if all_exited {
                // Not this thread, if it is one of ours: dropped inside
                // `block_in_place`, a worker exits after the poll it is in.
                let me = crate::loom::thread::current().id();
                for t in threads.into_iter().filter(|t| t.thread().id() != me) {
                    let _ = t.join();
                }
            }
        }
        // On a runtime thread we must not wait (a worker cannot join itself);
        // the workers exit on their own after their current poll.
        //
        // The watchdog kept watching while the workers finished their last
        // polls; stopping it takes one more sample, so a slow poll still
        // running now is reported too.
        if let Some(mut w) = self.watchdog.take() {
            w.stop();
        }
        // Queued blocking jobs are cancelled; running ones cannot be
        // interrupted, so we wait for them (for what is left of `timeout`;
        // not at all from inside async code, where waiting could deadlock).
        let pool = inner.common().blocking();
        if context::in_runtime() {
            pool.shutdown_timeout(Duration::ZERO);
        } else {
            match left() {
                Some(t) => {
                    pool.shutdown_timeout(t);
                }
                None => pool.shutdown(),
            }
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown(None, false);
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("scheduler", &self.handle.inner)
            .finish_non_exhaustive()
    }
}
