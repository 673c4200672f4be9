//! The multi-thread, work-stealing scheduler: state shared by all workers.
//!
//! Where a scheduled task goes:
//! * scheduled on one of this runtime's worker threads: into that worker's
//!   LIFO slot (a spawn or a wake from the running task), the slot's previous
//!   occupant to the back of the local queue; a self-wake (`yield_now`) goes
//!   straight to the back of the local queue;
//! * scheduled from anywhere else: onto the global injector.
//!
//! Either way, if the push made stealable work, `notify_parked` wakes a
//! sleeping worker when nobody is searching. That protocol — the push's
//! fence and notify, the last searcher's re-check, the park loop — lives in
//! `idle.rs`, with why no wake-up is lost. The worker loop and its search
//! order live in `worker.rs`. A parked worker sleeps on the runtime's driver
//! (timers and I/O, `crate::driver`) if no other worker does, else on its
//! condition variable (`scheduler/park.rs`).
//!
//! Shutdown: `begin_shutdown` raises `shutdown` and unparks everyone; each
//! worker finishes its current poll, drops what is left in its local queue
//! and exits. `shutdown_tasks` then closes the registry (cancelling every
//! task) and empties the injector. A push racing with that drain re-checks
//! `shutdown` after its push (SeqCst fence on both sides) and drains itself,
//! so no task reference is stranded in the injector.

mod idle;
pub(crate) mod worker;

#[cfg(all(test, loom))]
mod loom_idle;

use super::park::Parker;
use super::queue::{Inject, Local, Stealer};
use super::{Config, Reports};
use crate::driver::Driver;
use crate::loom::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::*};
use crate::loom::{Arc, Condvar, Mutex};
use crate::task::{
    self, Header, JoinError, JoinHandle, Meta, Notified, RawTask, Registry, Schedule, Task,
};
use idle::Idle;
use std::future::Future;
use std::time::Duration;

pub(crate) struct Shared {
    remotes: Box<[Remote]>,
    inject: Inject,
    idle: Idle,
    pub(crate) registry: Registry,
    /// Timers and I/O; parked on by at most one idle worker (`idle.rs`).
    pub(crate) driver: Driver,
    pub(crate) reports: Reports,
    /// `Handle::stop` → `Runtime::run_forever` (a stored permit if none runs).
    pub(crate) stop: tokio::sync::Notify,
    /// Set once; workers exit when they see it.
    shutdown: AtomicBool,
    pub(crate) config: Config,
    /// `spawn_blocking` jobs of this runtime not yet finished (or dropped).
    /// While there are some, an idle worker spins briefly before it sleeps,
    /// since a job's result is likely to wake a task soon (`worker.rs`).
    blocking_in_flight: AtomicUsize,
    /// Worker threads started by the builder that have not exited yet;
    /// shutdown waits on `exited` for it to reach zero. (A `block_in_place`
    /// replacement runs on the blocking pool, whose shutdown waits for it.)
    alive: Mutex<Alive>,
    exited: Condvar,
}

struct Alive {
    workers: usize,
    /// Threads waiting on `exited`: the last worker to exit wakes them only
    /// if there are any (a condvar's notify is a system call even without
    /// waiters, and a runtime's drop usually joins its workers instead).
    waiters: usize,
}

/// What the other workers (and remote schedulers) may touch of one worker.
/// Aligned so one worker's counters never share a cache line with another's.
#[repr(align(128))]
struct Remote {
    steal: Stealer,
    parker: Parker,
    metrics: WorkerMetrics,
    /// The hand-off slot of this worker's core: it waits here for its first
    /// thread, and while `block_in_place` hands it to a replacement
    /// (`worker.rs`). Taken only under this lock, so one thread holds it.
    core: Mutex<Option<Box<worker::Core>>>,
}

/// Counters written only by their worker (load + store, no RMW), read by anyone.
#[derive(Default)]
pub(crate) struct WorkerMetrics {
    pub(crate) polls: AtomicU64,
    pub(crate) steals: AtomicU64,
    pub(crate) parks: AtomicU64,
    /// Bumped when the worker parks and again when it wakes: odd while it
    /// sleeps (tokio's `worker_park_unpark_count`).
    pub(crate) park_unpark: AtomicU64,
    /// Nanoseconds spent between waking (or starting) and parking, summed
    /// at each park: two clock reads per park, none per poll.
    pub(crate) busy_ns: AtomicU64,
    /// For the slow-poll watchdog: the id of the task being polled, or of
    /// the one polled last if the worker went straight on to its next poll;
    /// 0 once it parks or turns to other work. Written only when slow-poll
    /// reports are on (`Config::watch_polls`); with `polls` it tells one
    /// poll from the next.
    pub(crate) current_task: AtomicU64,
}

impl WorkerMetrics {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.store(counter.load(Relaxed) + 1, Relaxed);
    }

    /// Ends a busy span that started at `since`.
    pub(crate) fn add_busy(&self, since: std::time::Instant) {
        let ns = u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.busy_ns
            .store(self.busy_ns.load(Relaxed).saturating_add(ns), Relaxed);
    }

    /// About to poll task `id` (slow-poll reports on). Not undone after the
    /// poll: the next poll overwrites it, and a worker that stops polling
    /// calls [`not_polling`](Self::not_polling) first.
    pub(crate) fn polling(&self, id: u64) {
        self.current_task.store(id, Relaxed);
    }

    /// Tells the watchdog the last poll has ended: called before work
    /// between polls that may take a while (parking, firing timers, a
    /// current-thread `block_on` polling its own future), so that time is
    /// never charged to the task polled last.
    pub(crate) fn not_polling(&self) {
        self.current_task.store(0, Relaxed);
    }
}

impl Shared {
    /// Creates the shared state, with each worker's core waiting in its
    /// hand-off slot for the thread that [`run_worker`](Self::run_worker) starts.
    pub(crate) fn new(num_workers: usize, config: Config) -> std::io::Result<Arc<Shared>> {
        let remotes = (0..num_workers)
            .map(|index| {
                let local = Local::new();
                Remote {
                    steal: local.stealer(),
                    parker: Parker::new(),
                    metrics: WorkerMetrics::default(),
                    core: Mutex::new(Some(worker::Core::new(index, local))),
                }
            })
            .collect();
        let shared = Arc::new(Shared {
            remotes,
            inject: Inject::new(),
            idle: Idle::new(num_workers),
            registry: Registry::new(num_workers),
            driver: Driver::new(false)?,
            reports: Reports::default(),
            stop: tokio::sync::Notify::new(),
            shutdown: AtomicBool::new(false),
            config,
            blocking_in_flight: AtomicUsize::new(0),
            alive: Mutex::new(Alive {
                workers: num_workers,
                waiters: 0,
            }),
            exited: Condvar::new(),
        });
        Ok(shared)
    }

    /// Takes worker `index`'s core from its hand-off slot, if it is there.
    pub(crate) fn take_core(&self, index: usize) -> Option<Box<worker::Core>> {
        let mut core = self.remotes[index].core.lock().unwrap().take()?;
        core.busy_since = std::time::Instant::now();
        Some(core)
    }

    /// Leaves worker `index`'s core in its hand-off slot.
    pub(crate) fn put_core(&self, index: usize, core: Box<worker::Core>) {
        let prev = self.remotes[index].core.lock().unwrap().replace(core);
        assert!(prev.is_none(), "two cores for worker {index}");
    }

    /// Starts a thread to take worker `index`'s core from its hand-off slot
    /// (`block_in_place`): a job on the runtime's blocking pool, as tokio
    /// does, so a thread that served as a worker before is reused. If the
    /// pool cannot run it (shut down) or runs it late, the thread that
    /// handed the core off takes it back itself.
    pub(crate) fn start_replacement(this: &Arc<Shared>, index: usize) {
        let shared = this.clone();
        drop(
            this.config
                .blocking
                .spawn(move || worker::run(shared, index)),
        );
    }

    pub(crate) fn num_workers(&self) -> usize {
        self.remotes.len()
    }

    pub(crate) fn spawn<F>(this: &Arc<Shared>, future: F, meta: Meta) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let shard = this
            .current_worker()
            .unwrap_or(this.registry.shared_shard());
        let (join, notified) = task::spawn(future, this.clone(), &this.registry, shard, meta);
        if let Some(notified) = notified {
            this.schedule_task(notified, false);
        }
        join
    }

    /// Runs `f` on the runtime's blocking pool, counted in
    /// `blocking_in_flight` until it has run or been dropped.
    pub(crate) fn spawn_blocking<F, R>(
        this: &Arc<Shared>,
        f: F,
    ) -> runtime_blocking::BlockingHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        struct InFlight(Arc<Shared>);
        impl Drop for InFlight {
            fn drop(&mut self) {
                self.0.blocking_in_flight.fetch_sub(1, Relaxed);
            }
        }
        this.blocking_in_flight.fetch_add(1, Relaxed);
        let in_flight = InFlight(this.clone());
        this.config.blocking.spawn(move || {
            let _in_flight = in_flight;
            f()
        })
    }

    /// The index of the worker this thread runs, if it is one of ours.
    fn current_worker(&self) -> Option<usize> {
        worker::with_current(|cx| match cx {
            Some(cx) if std::ptr::eq(cx.shared(), self) => Some(cx.index()),
            _ => None,
        })
    }

    fn schedule_task(&self, task: Notified, is_yield: bool) {
        let rejected = worker::with_current(|cx| match cx {
            Some(cx) if std::ptr::eq(cx.shared(), self) => cx.schedule_local(task, is_yield),
            _ => Some(task),
        });
        if let Some(task) = rejected {
            self.push_remote(task);
        }
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(SeqCst)
    }

    pub(crate) fn begin_shutdown(&self) {
        if self.shutdown.swap(true, SeqCst) {
            return;
        }
        for index in 0..self.remotes.len() {
            self.unpark_worker(index);
        }
    }

    pub(crate) fn shutdown_tasks(&self) {
        self.registry.close_and_shutdown();
        self.drain_inject();
        self.driver.shutdown();
    }

    fn drain_inject(&self) {
        while let Some(task) = self.inject.pop() {
            drop(task);
        }
    }

    /// The body of worker thread `index`, started by the builder.
    pub(crate) fn run_worker(this: Arc<Shared>, index: usize) {
        worker::run(this.clone(), index);
        this.worker_exited();
    }

    fn worker_exited(&self) {
        let mut alive = self.alive.lock().unwrap();
        alive.workers -= 1;
        let wake = alive.workers == 0 && alive.waiters > 0;
        drop(alive);
        if wake {
            self.exited.notify_all();
        }
    }

    /// Waits until every worker has exited, for at most `timeout`. True if
    /// they all did.
    pub(crate) fn wait_workers(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.map(|t| std::time::Instant::now() + t);
        let mut alive = self.alive.lock().unwrap();
        while alive.workers > 0 {
            let left = deadline.map(|d| d.saturating_duration_since(std::time::Instant::now()));
            if left == Some(Duration::ZERO) {
                return false;
            }
            alive.waiters += 1;
            alive = match left {
                None => self.exited.wait(alive).unwrap(),
                Some(t) => self.exited.wait_timeout(alive, t).unwrap().0,
            };
            alive.waiters -= 1;
        }
        true
    }

    pub(crate) fn worker_metrics(&self, i: usize) -> &WorkerMetrics {
        &self.remotes[i].metrics
    }

    pub(crate) fn worker_local_queue_depth(&self, i: usize) -> usize {
        self.remotes[i].steal.len()
    }

    pub(crate) fn injection_queue_depth(&self) -> usize {
        self.inject.len()
    }
}

impl Schedule for Shared {
    fn schedule(&self, task: Notified, is_yield: bool) {
        self.schedule_task(task, is_yield);
    }

    fn release(&self, task: RawTask) -> Option<Task> {
        self.registry.remove(task, self.current_worker())
    }

    fn unhandled_panic(&self, task: &Header, error: &JoinError) {
        self.reports.unhandled_panic(task, error);
    }
}
