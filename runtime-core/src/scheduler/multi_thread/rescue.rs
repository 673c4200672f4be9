//! The rescue of stuck workers: one task that blocks its worker's thread
//! (`std::thread::sleep`, blocking I/O, a long computation inside a poll)
//! does not stall the other tasks.
//!
//! # What a stuck worker strands
//!
//! A worker inside a poll that does not return holds, besides its thread:
//!
//! 1. its **LIFO slot**: often the very task the stuck one woke just before
//!    it blocked. Ordinary stealers never take it ([`super::lifo`]).
//! 2. its **local queue**: stealable, but "a lone task wakes nobody", and a
//!    busy sibling never steals while it has work of its own.
//! 3. the **driver duty**: a stuck worker holds no driver, but its siblings
//!    may all be asleep on their condition variables with the driver
//!    unwatched — the one that last slept on it was woken to run tasks (maybe
//!    the one now stuck) — so no timer fires and no I/O is read.
//! 4. when every worker is stuck, **a thread**: nothing runs at all.
//!
//! # Who notices, and what it does
//!
//! The process's watchdog ([`crate::scheduler::watchdog`]) samples each worker's
//! (task, poll count) pair every quarter of the stall threshold; a worker
//! seen inside one poll for [`Config::stall_threshold`](crate::scheduler::Config)
//! or longer is **stalled**. The watchdog then:
//!
//! a. marks it ([`Shared::mark_stalled`]): `stalled_at` gets the count of
//!    the stuck poll. The worker is stalled for as long as its poll count
//!    still says so ([`Shared::is_stalled`]) — a hint read without
//!    synchronization: stale either way, it only decides who may take the
//!    LIFO task, never whether the taking is safe (the slot's `swap` is).
//!    While the mark holds, searching workers ([`super::worker`], when they steal)
//!    and rescue threads take from the stalled worker's LIFO slot too.
//! b. calls [`Shared::rescue`] once per sample while any worker is
//!    stalled: if the stalled workers hold tasks, the injector has some, or
//!    nobody sleeps on the driver, it wakes a parked worker under the usual
//!    notify rule ([`super::idle`]): the woken worker steals the queue and the
//!    LIFO task, and when it runs out of work it parks — on the driver,
//!    which is free. That covers 1–3 whenever a worker was idle.
//! c. when no worker was parked to be woken, nobody is searching, work
//!    waits (or every worker is stalled and the driver is unwatched) and no
//!    rescue thread is free, it starts a **rescue thread** — at most one
//!    per sample, at most [`Config::max_rescue_threads`](crate::scheduler::Config)
//!    at once. That covers 4. A rescue thread counts as free unless the
//!    watchdog saw it inside the same poll twice (one sampling interval, not
//!    the whole stall threshold: it runs what was stranded behind stuck
//!    workers, which is likely to block too). While every worker is stalled
//!    and nobody watches the driver, the watchdog turns it itself
//!    (`maintain`: due timers, ready I/O), so the tasks that wakes wait in
//!    the injector, which rescue threads look at first: a timer fires on
//!    time even while more tasks block than there are threads.
//!
//! The mark and the notify follow the push protocol of [`super::idle`]: the mark
//! makes work stealable, then a `SeqCst` fence, then the notify rule reads
//! the idle state; the last searcher's re-check, after its own fence, also
//! looks at stalled workers' LIFO slots. So either the notifier sees no
//! searcher and wakes a sleeper, or a searcher parking after the mark sees
//! the stranded task.
//!
//! # Rescue threads
//!
//! A rescue thread is a job on the runtime's blocking pool (so a thread is
//! reused when the pool has an idle one, and the pool's shutdown waits for
//! it). It is no worker: it has no core and no place in the idle protocol.
//! It takes one task at a time — from the injector, then stalled workers'
//! LIFO slots and queues — so that if it gets stuck itself nothing is
//! stranded with it, and what its tasks wake goes to the injector, where it
//! (and any parked worker a push wakes) finds it. With nothing to run it
//! naps on the driver (firing timers and reading I/O: the driver duty) or,
//! if another thread holds the driver, on its own parker: [`NAP`] at first,
//! twice as long after each nap that found nothing, up to [`MAX_NAP`] (a
//! worker stuck for good must not cost a wake-up a millisecond forever),
//! and it leaves once no worker is stalled — waking a
//! worker that sleeps on its condition variable, if nobody sleeps on the
//! driver, so the driver is not left unwatched. The watchdog samples rescue
//! threads too: a stuck rescue thread counts as not free, so another may
//! start.
//!
//! Why not move the stuck worker's core to a fresh thread, as Go's sysmon
//! moves a processor away from a thread stuck in a system call? Taking the
//! core without the stuck thread's consent means the thread must learn,
//! after every poll, whether the core is still its own, through a
//! read-modify-write (or a `SeqCst` fence) the rescuer synchronizes with:
//! about 5 ns per poll on the machine this was measured on, 15–20 % of a
//! `yield_now` poll. Rescue threads reach what the core holds through what
//! is already safe to share — the queue through its stealer, the LIFO slot
//! through its atomic, the driver through its lock — so a running worker
//! pays nothing per poll; the stuck thread keeps its core and carries on
//! when its poll returns, and the rescue thread retires instead.
//!
//! The current-thread flavor has one thread and no rescue (as asyncio): its
//! remedy is the slow-poll report.

use super::{Shared, WorkerMetrics};
use crate::context;
use crate::loom::atomic::{fence, AtomicBool, Ordering::*};
use crate::loom::Arc;
use crate::scheduler::park::Parker;
use crate::scheduler::Handle;
use crate::task::Notified;
use std::time::Duration;

/// How long a rescue thread with nothing to run first sleeps before it
/// looks at the injector again: pushes from outside wake parked workers,
/// never a rescue thread, so its naps bound how late it sees one (timers
/// and I/O wake it sooner when it naps on the driver).
pub(crate) const NAP: Duration = Duration::from_millis(1);

/// The longest nap, reached after naps in a row found nothing to run.
pub(crate) const MAX_NAP: Duration = Duration::from_millis(16);

/// The rescue threads a runtime may run at once.
pub(crate) struct Rescuers {
    slots: Box<[RescueSlot]>,
}

/// One rescue thread's place: taken while a thread runs in it.
struct RescueSlot {
    taken: AtomicBool,
    /// Its poll counters, for the watchdog (as a worker's).
    metrics: WorkerMetrics,
}

/// What one [`Shared::rescue`] did, for the slow-poll report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Rescued {
    /// Tasks stalled workers held that others may take now (queued, or in
    /// a LIFO slot).
    pub(crate) stranded: usize,
    /// Nobody slept on the driver (timers and I/O unwatched).
    pub(crate) driver_unwatched: bool,
    /// The parked worker woken to take them (and the driver).
    pub(crate) woke: Option<usize>,
    /// The rescue thread started (its slot number).
    pub(crate) started: Option<usize>,
}

impl Rescued {
    /// Adds what a later rescue of the same stall did.
    pub(crate) fn merge(&mut self, later: Rescued) {
        self.stranded = self.stranded.max(later.stranded);
        self.driver_unwatched |= later.driver_unwatched;
        self.woke = self.woke.or(later.woke);
        self.started = self.started.or(later.started);
    }
}

impl Rescuers {
    pub(crate) fn new(max: usize) -> Rescuers {
        Rescuers {
            slots: (0..max)
                .map(|_| RescueSlot {
                    taken: AtomicBool::new(false),
                    metrics: WorkerMetrics::default(),
                })
                .collect(),
        }
    }

    /// Rescue slots (the most rescue threads at once).
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Slot `i`'s counters, if a thread runs in it.
    pub(crate) fn metrics(&self, i: usize) -> Option<&WorkerMetrics> {
        let s = &self.slots[i];
        s.taken.load(Acquire).then_some(&s.metrics)
    }

    fn claim(&self) -> Option<usize> {
        self.slots.iter().position(|s| {
            !s.taken.load(Relaxed)
                && s.taken
                    .compare_exchange(false, true, Acquire, Relaxed)
                    .is_ok()
        })
    }

    fn release(&self, i: usize) {
        let s = &self.slots[i];
        s.metrics.not_polling();
        s.taken.store(false, Release);
    }
}

impl Shared {
    /// The rescue threads' places (for the watchdog).
    pub(crate) fn rescuers(&self) -> &Rescuers {
        &self.rescue
    }

    /// Is worker `i` inside the poll the watchdog found stuck? (A hint:
    /// module docs.)
    pub(crate) fn is_stalled(&self, i: usize) -> bool {
        let at = self.remotes[i].stalled_at.load(Relaxed);
        let m = &self.common.workers[i];
        at != 0 && at == m.polls.load(Relaxed) && m.current_task.load(Relaxed) != 0
    }

    /// The watchdog saw worker `i` inside its poll number `polls` for longer
    /// than the stall threshold: from now until that poll ends, rescuers may
    /// take its LIFO task. Call [`rescue`](Self::rescue) after.
    pub(crate) fn mark_stalled(&self, i: usize, polls: u64) {
        self.remotes[i].stalled_at.store(polls, Relaxed);
    }

    /// Tasks stalled worker `i` holds: queued, or in its LIFO slot.
    fn stranded(&self, i: usize) -> usize {
        let r = &self.remotes[i];
        r.steal.len() + usize::from(r.lifo.is_occupied())
    }

    /// Some stalled worker's LIFO slot holds a task: for the last
    /// searcher's re-check ([`super::idle`]).
    pub(crate) fn stalled_lifo_occupied(&self) -> bool {
        (0..self.remotes.len()).any(|i| self.remotes[i].lifo.is_occupied() && self.is_stalled(i))
    }

    /// A task of a stalled worker's LIFO slot, for a searcher or a rescue
    /// thread.
    pub(crate) fn steal_stalled_lifo(&self, start: usize) -> Option<Notified> {
        let n = self.remotes.len();
        (0..n)
            .map(|k| (start + k) % n)
            .filter(|&i| self.is_stalled(i))
            .find_map(|i| self.remotes[i].lifo.steal())
    }

    /// The watchdog's rescue, once per sample while any worker is stalled
    /// (module docs, b and c). `rescuers_free`: a running rescue thread is
    /// not stuck itself (the watchdog samples them too).
    pub(crate) fn rescue(this: &Arc<Shared>, rescuers_free: bool) -> Rescued {
        if this.is_shutdown() {
            // The workers leave after their current poll; nothing to save.
            return Rescued::default();
        }
        // The marks (`mark_stalled`) before the notify rule's look at the
        // idle state: the push protocol's fence (see [`super::idle`]).
        fence(SeqCst);
        let n = this.remotes.len();
        let mut all_stalled = true;
        let mut stranded = 0;
        for i in 0..n {
            if this.is_stalled(i) {
                stranded += this.stranded(i);
            } else {
                all_stalled = false;
            }
        }
        let mut driver_unwatched = !this.common.driver.has_parked_thread();
        if all_stalled && driver_unwatched {
            // Nobody fires timers or reads I/O: do it here, so their tasks
            // wait in the injector, which rescue threads look at first.
            this.common.driver.maintain();
            driver_unwatched = !this.common.driver.has_parked_thread();
        }
        let waiting = stranded > 0 || !this.inject.is_empty();
        let mut done = Rescued {
            stranded,
            driver_unwatched,
            ..Rescued::default()
        };
        if !(waiting || driver_unwatched) {
            return done;
        }
        done.woke = this.notify_parked();
        let need_thread = waiting || (all_stalled && driver_unwatched);
        if done.woke.is_none() && need_thread && !rescuers_free && this.idle.all_running() {
            done.started = Shared::start_rescuer(this);
        }
        done
    }

    /// Starts a rescue thread on the blocking pool, if a slot is free.
    fn start_rescuer(this: &Arc<Shared>) -> Option<usize> {
        let slot = this.rescue.claim()?;
        let shared = this.clone();
        let job = this.common.blocking().try_spawn(move || run(shared, slot));
        match job {
            Ok(job) => {
                drop(job); // detached: the pool's shutdown waits for it
                Some(slot)
            }
            Err(_) => {
                this.rescue.release(slot);
                None
            }
        }
    }

    /// Any worker stalled?
    fn any_stalled(&self) -> bool {
        (0..self.remotes.len()).any(|i| self.is_stalled(i))
    }

    /// One task for a rescue thread: from the injector, then from stalled
    /// workers' LIFO slots and queues, one at a time (module docs).
    fn rescue_task(&self) -> Option<Notified> {
        self.inject
            .pop()
            .or_else(|| self.steal_stalled_lifo(0))
            .or_else(|| {
                (0..self.remotes.len())
                    .filter(|&i| self.is_stalled(i))
                    .find_map(|i| self.remotes[i].steal.steal_one())
            })
    }
}

/// A rescue thread's body (module docs).
fn run(shared: Arc<Shared>, slot: usize) {
    let _enter = context::enter_runtime(Handle::Multi(shared.clone()));
    let metrics = &shared.rescue.slots[slot].metrics;
    let parker = Parker::new();
    let watch = shared.common.config.watch_polls;
    let mut nap = NAP;
    while !shared.is_shutdown() {
        if let Some(task) = shared.rescue_task() {
            nap = NAP;
            WorkerMetrics::bump(&metrics.polls);
            if watch {
                metrics.polling(task.id().as_u64());
            }
            task.run();
            continue;
        }
        metrics.not_polling();
        if !shared.any_stalled() {
            break;
        }
        parker.park_on(&shared.common.driver, Some(nap));
        nap = (nap * 2).min(MAX_NAP);
    }
    shared.rescue.release(slot);
    // We may have been the one watching the driver: a worker asleep on its
    // condition variable takes it over.
    shared.hand_driver_to_sleeper();
}
