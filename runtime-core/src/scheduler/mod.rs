//! The two scheduler flavors behind one internal handle.
//!
//! * `multi_thread`: N workers, each with a local queue + LIFO slot, a global
//!   injector, work stealing, and the searching/parking protocol of `idle.rs`.
//! * `current_thread`: one FIFO queue driven by whichever thread is inside
//!   `block_on` — deterministic, like asyncio's ready queue.

pub(crate) mod current_thread;
pub(crate) mod idle;
pub(crate) mod multi_thread;
pub(crate) mod park;
pub(crate) mod queue;

#[cfg(all(test, loom))]
mod loom_idle;

use crate::coop;
use crate::loom::Arc;
use crate::task::{JoinHandle, Meta, Registry};
use crate::time::driver::{Driver, Unpark};
use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Settings both flavors share.
pub(crate) struct Config {
    pub(crate) start_paused: bool,
    pub(crate) on_thread_start: Option<Callback>,
    pub(crate) on_thread_stop: Option<Callback>,
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

    pub(crate) fn time(&self) -> &Driver {
        match self {
            Handle::Multi(s) => &s.time,
            Handle::Current(s) => &s.time,
        }
    }

    /// Wakes whoever must watch a newly inserted timer.
    pub(crate) fn unpark_for_timer(&self, unpark: Unpark) {
        match (self, unpark) {
            (_, Unpark::Nobody) => {}
            (Handle::Multi(s), Unpark::Owner(worker)) => s.unpark_worker(worker),
            (Handle::Multi(s), Unpark::Anyone) => s.notify_parked_for_timer(),
            (Handle::Current(s), _) => s.unpark_driver(),
        }
    }

    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self {
            Handle::Multi(_) => block_on_parked(future),
            Handle::Current(s) => current_thread::Shared::block_on(s, future),
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
