//! The two scheduler flavors behind one internal handle, over one common
//! part.
//!
//! * [`multi_thread`]: N workers, each with a local queue + LIFO slot, a global
//!   injector, work stealing, and the searching/parking protocol of
//!   [`multi_thread::idle`].
//! * [`current_thread`]: one FIFO queue driven by whichever thread is inside
//!   `block_on` — deterministic, like asyncio's ready queue.
//!
//! What is not a way of running tasks — the live-task registry, the driver
//! (timers, I/O, signals, children), the reports, the stop permit, the
//! settings, the blocking pool and the per-worker counters — is the same for
//! both: [`Common`], reached as [`Handle::common`]. A flavor match remains
//! only where the flavors differ.

pub(crate) mod current_thread;
pub(crate) mod multi_thread;
pub(crate) mod park;
pub(crate) mod queue;
pub(crate) mod watchdog;
mod worker_metrics;

pub(crate) use worker_metrics::{latency_bucket_range, WorkerMetrics, LATENCY_BUCKETS};

use crate::coop;
use crate::driver::Driver;
use crate::loom::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use crate::loom::Arc;
pub(crate) use crate::runtime::Reports;
use crate::task::{JoinHandle, Meta, Registry};
use crate::time::driver::Unpark;
use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Tasks a thread runs between two looks at timers and I/O without
/// parking (and, multi-thread, at the injector ahead of its own queue;
/// `Builder::global_queue_interval`), between two polls of a current-thread
/// `block_on` future and of a `LocalSet`'s own future. Go's and tokio's
/// number: prime, so it does not fall into step with a program's own
/// periods.
pub(crate) const EVENT_INTERVAL: u32 = 61;

/// `Builder::stall_threshold`'s default: long enough that a poll doing real
/// work (a large JSON body, a compression block: single-digit
/// milliseconds) is not taken for a stuck one, short enough that what waits
/// behind a stuck worker runs within a frame of a human's attention and a
/// typical RPC deadline's slack (detection takes the threshold plus a
/// quarter of it, the watchdog's sampling interval).
pub(crate) const DEFAULT_STALL_THRESHOLD: std::time::Duration =
    std::time::Duration::from_millis(20);

/// `Builder::max_rescue_threads`'s default: rescue threads exist only while
/// every worker is stuck and work waits, one more per stall threshold at
/// most, so this bounds a program whose every task blocks (it then behaves
/// like a thread pool of this many threads plus the workers) rather than a
/// normal one.
pub(crate) const DEFAULT_MAX_RESCUE_THREADS: usize = 64;

/// Which scheduler runs the tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// One FIFO queue, driven by the thread in `block_on`.
    CurrentThread,
    /// Work-stealing worker threads.
    MultiThread,
}

/// Settings both flavors share.
pub(crate) struct Config {
    pub(crate) flavor: Flavor,
    pub(crate) start_paused: bool,
    /// The runtime's own pool for `spawn_blocking`.
    pub(crate) blocking: runtime_blocking::BlockingPool,
    pub(crate) on_thread_start: Option<Callback>,
    pub(crate) on_thread_stop: Option<Callback>,
    /// The task hooks (`Builder::on_task_spawn`...), if any is set.
    pub(crate) task_hooks: Option<std::sync::Arc<crate::runtime::TaskHooks>>,
    /// Slow-poll reports or the rescue of stuck workers are on: workers
    /// publish the task they are polling (`WorkerMetrics::current_task`)
    /// for the watchdog. Off, they skip even that store, so with both
    /// turned off the watchdog costs nothing per poll.
    pub(crate) watch_polls: bool,
    /// `Builder::stall_threshold`: a poll longer than this has its worker
    /// rescued (multi-thread flavor; `None`: never).
    pub(crate) stall_threshold: Option<std::time::Duration>,
    /// `Builder::max_rescue_threads`.
    pub(crate) max_rescue_threads: usize,
    /// Multi-thread: ticks between a worker's looks at the injector before
    /// its own queue, and at the driver without parking
    /// (`Builder::global_queue_interval`).
    pub(crate) global_queue_interval: u32,
    /// Multi-thread: a woken task queues behind the others instead of
    /// running next (`Builder::disable_lifo_slot`).
    pub(crate) disable_lifo_slot: bool,
    /// `Builder::enable_metrics_schedule_latency_histogram`: tasks are
    /// stamped with the precise clock when queued, and each worker adds
    /// the time from that stamp to the poll to its histogram.
    pub(crate) schedule_latency: bool,
    /// `Builder::name`.
    pub(crate) name: Option<std::sync::Arc<str>>,
    pub(crate) id: crate::runtime::Id,
    /// `Builder::tokio_bridge`: the process's tokio runtime, whose context
    /// is entered wherever this runtime's is (`context::EnterGuard`).
    #[cfg(feature = "tokio-bridge")]
    pub(crate) tokio_bridge: Option<&'static tokio::runtime::Handle>,
}

impl Config {
    /// The defaults of `flavor`, with `blocking` as the runtime's blocking
    /// pool.
    pub(crate) fn new(flavor: Flavor, blocking: runtime_blocking::BlockingPool) -> Config {
        Config {
            flavor,
            start_paused: false,
            blocking,
            on_thread_start: None,
            on_thread_stop: None,
            task_hooks: None,
            watch_polls: false,
            stall_threshold: None,
            max_rescue_threads: DEFAULT_MAX_RESCUE_THREADS,
            global_queue_interval: EVENT_INTERVAL,
            disable_lifo_slot: false,
            schedule_latency: false,
            name: None,
            id: crate::runtime::Id::next(),
            #[cfg(feature = "tokio-bridge")]
            tokio_bridge: None,
        }
    }

    /// Enters the tokio bridge's context, if this runtime has one, until
    /// the guard drops.
    #[cfg(feature = "tokio-bridge")]
    pub(crate) fn enter_tokio_bridge(&self) -> Option<tokio::runtime::EnterGuard<'static>> {
        self.tokio_bridge.map(|h| h.enter())
    }
}

pub(crate) type Callback = std::sync::Arc<dyn Fn() + Send + Sync>;

/// Runs a thread hook; a panic in it is reported and contained, so the
/// thread still serves (or still exits cleanly).
pub(crate) fn run_hook(hook: Option<&Callback>, which: &str) {
    use runtime_blocking::internal::{self, Panicked};
    if let Err(msg) = internal::run_hook(hook.map(|f| &**f)) {
        let what = Panicked(msg.as_deref());
        tracing::error!(
            hook = which,
            "a runtime thread hook {what}; the thread carries on"
        );
    }
}

/// What both flavors share (module docs).
pub(crate) struct Common {
    pub(crate) registry: Registry,
    /// Timers, I/O, signals, children: parked on by an idle thread.
    pub(crate) driver: Driver,
    pub(crate) reports: Reports,
    /// `Handle::stop` → `Runtime::run_forever` (a stored permit if none runs).
    pub(crate) stop: tokio::sync::Notify,
    pub(crate) config: Config,
    /// One per worker (one for the current-thread flavor), each written
    /// only by the thread running that worker.
    pub(crate) workers: Box<[WorkerMetrics]>,
    /// The watchdog stopped sampling this runtime while no task runs; the
    /// first worker to wake makes it sample again ([`watchdog`], "Quiet
    /// while idle").
    pub(crate) watch_dormant: AtomicBool,
    /// `spawn_blocking` jobs of this runtime not yet finished (or dropped).
    /// While there are some, an idle multi-thread worker spins briefly
    /// before it sleeps, since a job's result is likely to wake a task soon
    /// ([`multi_thread::idle`]).
    pub(crate) blocking_in_flight: AtomicUsize,
}

impl Common {
    /// The common part of a runtime of `num_workers` workers (0 for the
    /// current-thread flavor, which has one worker's counters but no
    /// worker threads).
    pub(crate) fn new(num_workers: usize, config: Config) -> std::io::Result<Common> {
        // The first tasks are stamped before any thread of ours ran.
        crate::task::waits::refresh_coarse();
        Ok(Common {
            registry: Registry::new(num_workers),
            driver: Driver::new(config.start_paused)?,
            reports: Reports::default(),
            stop: tokio::sync::Notify::new(),
            workers: (0..num_workers.max(1))
                .map(|_| WorkerMetrics::new(config.schedule_latency))
                .collect(),
            config,
            watch_dormant: AtomicBool::new(false),
            blocking_in_flight: AtomicUsize::new(0),
        })
    }

    /// The runtime's own blocking pool, for `spawn_blocking`.
    pub(crate) fn blocking(&self) -> &runtime_blocking::BlockingPool {
        &self.config.blocking
    }
}

#[derive(Clone)]
pub(crate) enum Handle {
    Multi(Arc<multi_thread::Shared>),
    Current(Arc<current_thread::Shared>),
}

impl Handle {
    /// The part both flavors share.
    pub(crate) fn common(&self) -> &Common {
        match self {
            Handle::Multi(s) => &s.common,
            Handle::Current(s) => &s.common,
        }
    }

    pub(crate) fn spawn<F>(&self, future: F, meta: Meta) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Handle::Multi(s) => multi_thread::Shared::spawn(s, future, meta),
            Handle::Current(s) => current_thread::Shared::spawn(s, future, meta),
        }
    }

    pub(crate) fn registry(&self) -> &Registry {
        &self.common().registry
    }

    pub(crate) fn reports(&self) -> &Reports {
        &self.common().reports
    }

    /// Timers and I/O.
    pub(crate) fn driver(&self) -> &Driver {
        &self.common().driver
    }

    pub(crate) fn time(&self) -> &crate::time::driver::Driver {
        &self.driver().time
    }

    pub(crate) fn io(&self) -> &Arc<crate::reactor::Handle> {
        &self.driver().io
    }

    /// Runs `f` on this runtime's blocking pool, inside this runtime's
    /// context (see [`in_context`]), counted in
    /// [`Common::blocking_in_flight`] until it has run or been dropped.
    #[track_caller]
    pub(crate) fn spawn_blocking<F, R>(&self, f: F) -> runtime_blocking::BlockingHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        struct InFlight(Handle);
        impl Drop for InFlight {
            fn drop(&mut self) {
                self.0.common().blocking_in_flight.fetch_sub(1, Relaxed);
            }
        }
        let common = self.common();
        common.blocking_in_flight.fetch_add(1, Relaxed);
        let in_flight = InFlight(self.clone());
        #[cfg(feature = "console")]
        let f = crate::console::blocking(f);
        let f = in_context(self.clone(), f);
        common.blocking().spawn(move || {
            let _in_flight = in_flight;
            f()
        })
    }

    /// Wakes whoever must watch a newly inserted timer.
    pub(crate) fn unpark_for_timer(&self, unpark: Unpark) {
        match (self, unpark) {
            (_, Unpark::Nobody) => {}
            (_, Unpark::Driver) => self.driver().unpark(),
            (Handle::Multi(s), Unpark::Anyone) => s.notify_parked_for_timer(),
            // The driving thread is not parked on the driver, so it is
            // running and looks at the timers before it parks.
            (Handle::Current(_), Unpark::Anyone) => {}
        }
    }

    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self {
            Handle::Multi(_) => block_on_parked(future),
            // This thread runs its own local tasks (`spawn_local` without a
            // `LocalSet`) for the whole call; see `task::local`.
            Handle::Current(s) => {
                crate::task::local::run_implicit(future, |f| current_thread::Shared::block_on(s, f))
            }
        }
    }

    /// Stops the workers (they exit after their current poll) without waiting.
    pub(crate) fn begin_shutdown(&self) {
        if let Handle::Multi(s) = self {
            s.begin_shutdown();
        }
    }

    /// Cancels every live task, empties the run queues and fails every I/O
    /// resource. Idempotent.
    pub(crate) fn shutdown_tasks(&self) {
        let common = self.common();
        // Futures of bridged crates may call tokio as they drop (sqlx
        // returns a pooled connection with `tokio::spawn`).
        #[cfg(feature = "tokio-bridge")]
        let _bridge = common.config.enter_tokio_bridge();
        common.registry.close_and_shutdown();
        match self {
            Handle::Multi(s) => s.drain_inject(),
            Handle::Current(s) => s.close_queue(),
        }
        common.driver.shutdown();
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let common = self.common();
        match common.config.flavor {
            Flavor::MultiThread => write!(f, "MultiThread({} workers)", common.workers.len()),
            Flavor::CurrentThread => f.write_str("CurrentThread"),
        }
    }
}

/// `f`, made to run with `handle` current on whatever thread runs it (a
/// blocking-pool thread): `Handle::current`, `spawn`, `spawn_blocking` and
/// timers work there. Entered as `Handle::enter` does, not as a runtime
/// thread: blocking that thread stalls no task, so the closure may still
/// `block_on` another runtime, as in tokio. The blocking pool itself knows
/// nothing of runtimes; this wrapper is the runtime's side of the bridge.
pub(crate) fn in_context<F, R>(handle: Handle, f: F) -> impl FnOnce() -> R + Send + 'static
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    move || {
        let _enter = crate::context::set_current(handle);
        f()
    }
}

/// Polls `future` on this thread, sleeping between wake-ups. Used by the
/// multi-thread `block_on`, whose tasks run on the workers.
pub(crate) fn block_on_parked<F: Future>(future: F) -> F::Output {
    let parker = std::sync::Arc::new(park::Parker::new());
    let waker = Waker::from(parker.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(v) = coop::with_budget(|| future.as_mut().poll(&mut cx)) {
            return v;
        }
        parker.park();
    }
}
