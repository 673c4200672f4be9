//! The two scheduler flavors behind one internal handle.
//!
//! * `multi_thread`: N workers, each with a local queue + LIFO slot, a global
//!   injector, work stealing, and the searching/parking protocol of `idle.rs`.
//! * `current_thread`: one FIFO queue driven by whichever thread is inside
//!   `block_on` — deterministic, like asyncio's ready queue.

pub(crate) mod current_thread;
pub(crate) mod multi_thread;
pub(crate) mod park;
pub(crate) mod queue;

use crate::coop;
use crate::driver::Driver;
use crate::loom::Arc;
pub(crate) use crate::runtime::Reports;
use crate::task::{JoinHandle, Meta, Registry};
use crate::time::driver::Unpark;
use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Settings both flavors share.
pub(crate) struct Config {
    pub(crate) start_paused: bool,
    /// The runtime's own pool for `spawn_blocking`.
    pub(crate) blocking: runtime_blocking::BlockingPool,
    pub(crate) on_thread_start: Option<Callback>,
    pub(crate) on_thread_stop: Option<Callback>,
    /// Slow-poll reports are on: workers publish the task they are polling
    /// (`WorkerMetrics::current_task`) for the watchdog. Off, they skip even
    /// that store, so `slow_poll_threshold(None)` costs nothing per poll.
    pub(crate) watch_polls: bool,
    /// Multi-thread: ticks between a worker's looks at the injector before
    /// its own queue, and at the driver without parking
    /// (`Builder::global_queue_interval`).
    pub(crate) global_queue_interval: u32,
    /// Multi-thread: a woken task queues behind the others instead of
    /// running next (`Builder::disable_lifo_slot`).
    pub(crate) disable_lifo_slot: bool,
    /// `Builder::name`.
    pub(crate) name: Option<std::sync::Arc<str>>,
    pub(crate) id: crate::runtime::Id,
}

impl Config {
    /// The defaults, with `blocking` as the runtime's blocking pool.
    pub(crate) fn new(blocking: runtime_blocking::BlockingPool) -> Config {
        Config {
            start_paused: false,
            blocking,
            on_thread_start: None,
            on_thread_stop: None,
            watch_polls: false,
            global_queue_interval: 61,
            disable_lifo_slot: false,
            name: None,
            id: crate::runtime::Id::next(),
        }
    }
}

pub(crate) type Callback = std::sync::Arc<dyn Fn() + Send + Sync>;

#[derive(Clone)]
pub(crate) enum Handle {
    Multi(Arc<multi_thread::Shared>),
    Current(Arc<current_thread::Shared>),
}

impl Handle {
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
        match self {
            Handle::Multi(s) => &s.registry,
            Handle::Current(s) => &s.registry,
        }
    }

    pub(crate) fn id(&self) -> crate::runtime::Id {
        match self {
            Handle::Multi(s) => s.config.id,
            Handle::Current(s) => s.id,
        }
    }

    pub(crate) fn name(&self) -> Option<&str> {
        match self {
            Handle::Multi(s) => s.config.name.as_deref(),
            Handle::Current(s) => s.name.as_deref(),
        }
    }

    pub(crate) fn reports(&self) -> &Reports {
        match self {
            Handle::Multi(s) => &s.reports,
            Handle::Current(s) => &s.reports,
        }
    }

    /// Where `Handle::stop` leaves its permit for `Runtime::run_forever`.
    pub(crate) fn stop(&self) -> &tokio::sync::Notify {
        match self {
            Handle::Multi(s) => &s.stop,
            Handle::Current(s) => &s.stop,
        }
    }

    /// Runs `f` on this runtime's blocking pool, inside this runtime's
    /// context (see [`in_context`]).
    pub(crate) fn spawn_blocking<F, R>(&self, f: F) -> runtime_blocking::BlockingHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let f = in_context(self.clone(), f);
        match self {
            Handle::Multi(s) => multi_thread::Shared::spawn_blocking(s, f),
            Handle::Current(s) => s.blocking.spawn(f),
        }
    }

    pub(crate) fn blocking(&self) -> &runtime_blocking::BlockingPool {
        match self {
            Handle::Multi(s) => &s.config.blocking,
            Handle::Current(s) => &s.blocking,
        }
    }

    /// Timers and I/O.
    pub(crate) fn driver(&self) -> &Driver {
        match self {
            Handle::Multi(s) => &s.driver,
            Handle::Current(s) => &s.driver,
        }
    }

    pub(crate) fn time(&self) -> &crate::time::driver::Driver {
        &self.driver().time
    }

    pub(crate) fn io(&self) -> &crate::loom::Arc<crate::reactor::Handle> {
        &self.driver().io
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
            // `LocalSet`) for the whole call; see `task/local.rs`.
            Handle::Current(s) => {
                crate::task::local::run_implicit(future, |f| current_thread::Shared::block_on(s, f))
            }
        }
    }

    /// Stops the workers (they exit after their current poll) without waiting.
    pub(crate) fn begin_shutdown(&self) {
        match self {
            Handle::Multi(s) => s.begin_shutdown(),
            Handle::Current(_) => {}
        }
    }

    /// Cancels every live task and empties the queues. Idempotent.
    pub(crate) fn shutdown_tasks(&self) {
        match self {
            Handle::Multi(s) => s.shutdown_tasks(),
            Handle::Current(s) => s.shutdown_tasks(),
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Handle::Multi(s) => write!(f, "MultiThread({} workers)", s.num_workers()),
            Handle::Current(_) => f.write_str("CurrentThread"),
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
