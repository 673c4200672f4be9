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
//! [`idle`], with why no wake-up is lost. The worker loop and its search
//! order live in [`worker`]. A parked worker sleeps on the runtime's driver
//! (timers and I/O, [`crate::driver`]) if no other worker does, else on its
//! condition variable ([`crate::scheduler::park`]).
//!
//! Shutdown: `begin_shutdown` raises `shutdown` and unparks everyone; each
//! worker finishes its current poll, drops what is left in its local queue
//! and exits. `shutdown_tasks` then closes the registry (cancelling every
//! task) and empties the injector. A push racing with that drain re-checks
//! `shutdown` after its push (SeqCst fence on both sides) and drains itself,
//! so no task reference is stranded in the injector.

pub(crate) mod idle;
pub(crate) mod lifo;
pub(crate) mod rescue;
pub(crate) mod worker;

pub(crate) use idle::Unparked;
pub(crate) use rescue::Rescued;

use super::park::Parker;
use super::queue::{Inject, Local, Stealer};
use super::{run_hook, Common, Config, WorkerMetrics};
use crate::loom::atomic::{AtomicBool, AtomicU64, Ordering::*};
use crate::loom::thread::JoinHandle as ThreadHandle;
use crate::loom::{lock, wait_until, Arc, Condvar, Mutex};
use crate::task::{self, Header, JoinError, JoinHandle, Meta, Notified, RawTask, Schedule, Task};
use idle::Idle;
use lifo::LifoSlot;
use std::future::Future;
use std::time::Duration;

/// Starts a multi-thread scheduler of `num_workers` workers, each on a
/// thread named `{thread_name}-{index}` that runs the thread hooks of
/// `config` around its worker loop. If a thread cannot be started, the
/// workers that did start are stopped and joined before the error returns.
pub(crate) fn launch(
    num_workers: usize,
    config: Config,
    thread_name: &str,
) -> std::io::Result<(Arc<Shared>, Vec<ThreadHandle<()>>)> {
    let shared = Shared::new(num_workers, config)?;
    let mut threads = Vec::with_capacity(num_workers);
    for index in 0..num_workers {
        let worker_shared = shared.clone();
        let spawned = crate::loom::thread::Builder::new()
            .name(format!("{thread_name}-{index}"))
            .spawn(move || {
                let shared = worker_shared;
                let config = &shared.common.config;
                run_hook(config.on_thread_start.as_ref(), "on_thread_start");
                let stop = config.on_thread_stop.clone();
                Shared::run_worker(shared, index);
                run_hook(stop.as_ref(), "on_thread_stop");
            });
        match spawned {
            Ok(t) => threads.push(t),
            Err(e) => {
                // Workers that did start, and the worker count they
                // expect, must not outlive this error.
                shared.begin_shutdown();
                for t in threads {
                    let _ = t.join();
                }
                return Err(e);
            }
        }
    }
    Ok((shared, threads))
}

pub(crate) struct Shared {
    /// What both flavors share: the registry, the driver (parked on by at
    /// most one idle worker, [`idle`]), reports, settings, counters.
    pub(crate) common: Common,
    pub(crate) remotes: Box<[Remote]>,
    pub(crate) inject: Inject,
    pub(crate) idle: Idle,
    /// Set once; workers exit when they see it.
    shutdown: AtomicBool,
    /// Threads started to run tasks while every worker is stuck
    /// (`rescue.rs`).
    rescue: rescue::Rescuers,
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
/// Aligned so that two workers' never share a cache line.
#[repr(align(128))]
pub(crate) struct Remote {
    pub(crate) steal: Stealer,
    pub(crate) parker: Parker,
    /// The task to run next; its owner's alone, except while the worker is
    /// stalled, when rescuers may take it (`lifo.rs`).
    pub(crate) lifo: LifoSlot,
    /// The poll count (`WorkerMetrics::polls`) of a poll the watchdog found
    /// stuck, 0 if none: while the worker is still inside that poll it is
    /// *stalled* ([`Shared::is_stalled`]). Written by the watchdog only.
    stalled_at: AtomicU64,
    /// The hand-off slot of this worker's core: it waits here for its first
    /// thread, and while `block_in_place` hands it to a replacement
    /// ([`worker::block_in_place`]). Taken only under this lock, so one thread holds it.
    core: Mutex<Option<Box<worker::Core>>>,
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
                    lifo: LifoSlot::new(),
                    stalled_at: AtomicU64::new(0),
                    core: Mutex::new(Some(worker::Core::new(index, local))),
                }
            })
            .collect();
        let rescue = rescue::Rescuers::new(config.max_rescue_threads);
        let shared = Arc::new(Shared {
            common: Common::new(num_workers, config)?,
            rescue,
            remotes,
            inject: Inject::new(),
            idle: Idle::new(num_workers),
            shutdown: AtomicBool::new(false),
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
        let mut core = lock(&self.remotes[index].core).take()?;
        core.busy_since = std::time::Instant::now();
        Some(core)
    }

    /// Leaves worker `index`'s core in its hand-off slot.
    pub(crate) fn put_core(&self, index: usize, core: Box<worker::Core>) {
        let prev = lock(&self.remotes[index].core).replace(core);
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
            this.common
                .blocking()
                .spawn(move || worker::run(shared, index)),
        );
    }

    pub(crate) fn spawn<F>(this: &Arc<Shared>, future: F, meta: Meta) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let registry = &this.common.registry;
        let shard = this.current_worker().unwrap_or(registry.shared_shard());
        let (join, notified) = task::spawn(future, this.clone(), registry, shard, meta);
        if let Some(notified) = notified {
            this.schedule_task(notified, false);
        }
        join
    }

    /// The index of the worker this thread runs, if it is one of ours.
    fn current_worker(&self) -> Option<usize> {
        worker::with_current(|cx| match cx {
            Some(cx) if std::ptr::eq(cx.shared(), self) => Some(cx.index()),
            _ => None,
        })
    }

    pub(crate) fn schedule_task(&self, task: Notified, is_yield: bool) {
        task::waits::stamp_woken(task.header(), self.common.config.schedule_latency);
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

    /// Drops every task left in the injector (shutdown, after the registry
    /// cancelled them).
    pub(crate) fn drain_inject(&self) {
        while let Some(task) = self.inject.pop() {
            drop(task);
        }
    }

    /// The body of worker thread `index`, started by the builder.
    fn run_worker(this: Arc<Shared>, index: usize) {
        worker::run(this.clone(), index);
        this.worker_exited();
    }

    fn worker_exited(&self) {
        let mut alive = lock(&self.alive);
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
        // A timeout too large for an `Instant` is as good as none.
        let deadline = timeout.and_then(|t| std::time::Instant::now().checked_add(t));
        let mut alive = lock(&self.alive);
        while alive.workers > 0 {
            alive.waiters += 1;
            let (a, timed_out) = wait_until(&self.exited, alive, deadline);
            alive = a;
            alive.waiters -= 1;
            if timed_out && alive.workers > 0 {
                return false;
            }
        }
        true
    }

    pub(crate) fn worker_metrics(&self, i: usize) -> &WorkerMetrics {
        &self.common.workers[i]
    }

    pub(crate) fn worker_local_queue_depth(&self, i: usize) -> usize {
        self.remotes[i].steal.len()
    }

    pub(crate) fn global_queue_depth(&self) -> usize {
        self.inject.len()
    }
}

impl Schedule for Shared {
    fn schedule(&self, task: Notified, is_yield: bool) {
        self.schedule_task(task, is_yield);
    }

    fn release(&self, task: RawTask) -> Option<Task> {
        self.common.registry.remove(task, self.current_worker())
    }

    fn unhandled_panic(&self, task: &Header, error: &JoinError) {
        self.common.reports.unhandled_panic(task, error);
    }

    fn hooks(&self) -> Option<&crate::runtime::TaskHooks> {
        self.common.config.task_hooks.as_deref()
    }
}
