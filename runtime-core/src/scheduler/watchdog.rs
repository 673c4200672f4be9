//! The watchdog: one thread for the whole process that samples every
//! runtime's workers, to report slow polls (asyncio debug mode's "Executing
//! `<Task>` took 1.2 seconds") and to rescue what a stuck worker holds
//! ([`super::multi_thread::rescue`]), and that sleeps while no task
//! runs.
//!
//! # Sampling
//!
//! Timing every poll would cost two clock reads (~45 ns each on the VM this
//! was measured on: more than the poll of a small task). Instead each worker
//! publishes, with one relaxed store per poll, the id of the task it is
//! polling (`WorkerMetrics::current_task`) next to its poll counter, and
//! stores 0 when it stops polling (before it parks or fires timers; the
//! current-thread flavor after each batch of tasks). The watchdog samples
//! them every [`Watched::interval`]: a worker seen on the same nonzero
//! (task, poll count) in consecutive samples is still inside one poll.
//! (Between the end of a poll and the worker's next poll or park there is
//! only a bounded look at the run queues, so a poll is never over-reported
//! by more than that.) A multi-thread runtime's rescue threads publish the
//! same way and are sampled too.
//!
//! A poll measured from the first sample that saw it is within one interval
//! of the truth: polls only slightly longer than a threshold may go
//! unnoticed — never polls shorter than it.
//!
//! # What a long poll sets off
//!
//! * At the **slow-poll threshold**: the task's name and spawn location are
//!   looked up in the registry (the task is alive while it is being polled,
//!   and the registry holds a reference, so nothing is read from a freed
//!   task), `slow_poll_count` grows by one and one WARN goes out
//!   (`runtime::reports`) — while the poll is still running, so a poll that
//!   never returns is reported too. When the poll ends, a second WARN gives
//!   its whole duration and what the runtime did about it meanwhile.
//! * At the **stall threshold** (multi-thread only): the worker is marked
//!   stalled and rescued ([`Shared::mark_stalled`](super::multi_thread::Shared::mark_stalled),
//!   [`Shared::rescue`](super::multi_thread::Shared::rescue)),
//!   and the rescue is repeated at every sample while any worker is stalled;
//!   what each did is kept for the report. A rescue thread inside a poll
//!   that long counts as not free, so another may start.
//!
//! # One thread for the whole process
//!
//! Every runtime of the process is sampled by one thread, `runtime-watchdog`,
//! started by the first runtime that wants one and never stopped: it waits
//! on a condition variable, with no timeout, while no runtime needs a sample.
//! A runtime start therefore costs a lock and a push (not a thread spawn and
//! join), and a program with many runtimes (every `#[runtime::test]`) has one
//! watchdog, not one each.
//!
//! - [`Watchdog::start`] registers the runtime: a [`Watched`] entry in the
//!   process's list, with the time of its next sample. The thread is woken
//!   only when the new entry is due before the thread means to wake anyway.
//! - The thread, under the list's lock, picks the entries that are due and
//!   schedules their next sample; it samples them *after* releasing the lock
//!   (a report may run a `tracing` subscriber, which must not run under a
//!   lock every runtime start takes), then sleeps until the earliest next
//!   sample.
//! - [`Watchdog::stop`] (the runtime's shutdown, after its workers have
//!   exited or the shutdown gave up on them) removes the entry and takes the
//!   last sample itself, on the shutting-down thread, so a slow poll still
//!   running at shutdown is reported; it then marks the entry stopped. Each
//!   entry's sampling state is behind its own lock, so the last sample and a
//!   sample the thread took the entry for just before it was removed run one
//!   after the other, and a sample after the stop does nothing: a poll is
//!   never reported twice. (Reports go out after that lock is released, so
//!   one the thread found just before the stop may be printed just after it.)
//!
//! # Quiet while idle
//!
//! A runtime with no task running needs no sample: when a sample finds every
//! worker parked (a multi-thread runtime with no rescue thread, or a
//! current-thread runtime whose driving thread is parked or gone), and the
//! one before found the same, the entry goes *dormant*: the thread stops
//! scheduling its samples, and sleeps with no timeout once every entry is
//! dormant. A worker that wakes calls [`wake`] — one fence and one load,
//! and the lock only for the first wake-up of a dormant runtime — which
//! makes the entry due again.
//!
//! No wake-up is lost: the thread sets `Common::watch_dormant`, issues a
//! `SeqCst` fence and looks at every worker's park state again, and stays
//! awake if one is running; a worker stores its park state, issues a
//! `SeqCst` fence and reads `watch_dormant`. Of the two fences, whichever
//! comes first in their single total order is seen by the other side: the
//! thread sees the running worker, or the worker sees the flag and wakes
//! the entry. (Two samples in a row, not one, so that a busy runtime whose
//! workers park between bursts does not pay a wake-up per burst.)
//!
//! The list lives in a process-wide `OnceLock`; its lock and condition
//! variable come from the loom shim like every other, though no loom model
//! builds a runtime (and so none starts this thread).

use super::multi_thread::Rescued;
use super::{Common, Flavor, WorkerMetrics};
use crate::loom::atomic::{fence, Ordering::*};
use crate::loom::{lock, wait_until, Arc, Condvar, Mutex, MutexGuard, OnceLock};
use crate::scheduler;
use crate::task::{Id, TaskInfo};
use std::time::{Duration, Instant};

/// A runtime's registration with the process's watchdog; [`stop`] (or drop)
/// takes the last sample and unregisters it.
///
/// [`stop`]: Watchdog::stop
pub(crate) struct Watchdog {
    /// `None` once stopped.
    watched: Option<Arc<Watched>>,
}

/// One runtime under watch.
struct Watched {
    handle: scheduler::Handle,
    /// Report polls longer than this (`Builder::slow_poll_threshold`).
    slow: Option<Duration>,
    /// Rescue workers stuck longer than this (`Builder::stall_threshold`;
    /// multi-thread only).
    stall: Option<Duration>,
    /// Time between two samples: a fifth of the slow-poll threshold, a
    /// quarter of the stall threshold, whichever is shorter; at least 1 ms.
    interval: Duration,
    /// Taken by whoever samples (the watchdog thread, or the last sample in
    /// [`Watchdog::stop`]): one sample at a time per runtime.
    sampling: Mutex<Sampling>,
    /// The live tasks when the runtime began to shut down
    /// ([`Watchdog::remember`]): a report made after the registry closed
    /// finds a task's name here.
    remembered: Mutex<Vec<TaskInfo>>,
}

struct Sampling {
    /// One per worker (one for the current-thread flavor), then one per
    /// rescue slot (multi-thread).
    seen: Vec<Seen>,
    /// Samples in a row that found every worker parked.
    idle_samples: u32,
    /// Set by the last sample: later samples do nothing.
    stopped: bool,
}

#[derive(Default)]
struct Seen {
    task: u64,
    polls: u64,
    /// When this (task, polls) pair was first sampled.
    since: Option<Instant>,
    /// The poll passed the slow-poll threshold and was reported.
    reported: bool,
    /// The poll passed the stall threshold (the worker was marked stalled,
    /// or for a rescue thread: it is not free).
    stalled: bool,
    /// What the rescues did while this worker was stalled.
    rescued: Rescued,
}

/// The process's watchdog: what it watches, and when.
struct Process {
    list: Mutex<List>,
    /// Wakes the thread: a runtime registered, or a dormant one woke, that
    /// is due before the thread meant to wake.
    wake: Condvar,
}

#[derive(Default)]
struct List {
    /// Registered runtimes, each with the time its next sample is due
    /// (`None`: dormant).
    entries: Vec<(Arc<Watched>, Option<Instant>)>,
    /// The thread is running (it never exits).
    started: bool,
    /// When the thread will wake by itself: `None` while it waits without a
    /// timeout (or is not waiting: then it looks at the list before it does).
    sleeping_until: Option<Instant>,
    /// The thread waits (or is about to, under this lock).
    waiting: bool,
}

fn process() -> &'static Process {
    static PROCESS: OnceLock<Process> = OnceLock::new();
    PROCESS.get_or_init(|| Process {
        list: Mutex::new(List::default()),
        wake: Condvar::new(),
    })
}

impl Watchdog {
    /// Puts the runtime of `handle` under watch, starting the process's
    /// watchdog thread if this is the first runtime to ask. `None` if the
    /// runtime wants neither slow-poll reports nor rescues.
    pub(crate) fn start(
        handle: scheduler::Handle,
        slow: Option<Duration>,
    ) -> std::io::Result<Option<Watchdog>> {
        let common = handle.common();
        let stall = match common.config.flavor {
            Flavor::MultiThread => common.config.stall_threshold,
            Flavor::CurrentThread => None,
        };
        let interval = [slow.map(|t| t / 5), stall.map(|t| t / 4)]
            .into_iter()
            .flatten()
            .min();
        let Some(interval) = interval else {
            return Ok(None);
        };
        let rescue_slots = match &handle {
            scheduler::Handle::Multi(s) if stall.is_some() => s.rescuers().len(),
            _ => 0,
        };
        let seen = (0..common.workers.len() + rescue_slots)
            .map(|_| Seen::default())
            .collect();
        let watched = Arc::new(Watched {
            handle,
            slow,
            stall,
            interval: interval.max(Duration::from_millis(1)),
            sampling: Mutex::new(Sampling {
                seen,
                idle_samples: 0,
                stopped: false,
            }),
            remembered: Mutex::new(Vec::new()),
        });
        let p = process();
        let mut list = lock(&p.list);
        if !list.started {
            crate::loom::thread::Builder::new()
                .name("runtime-watchdog".into())
                .spawn(|| run(process()))?;
            list.started = true;
        }
        let due = Instant::now() + watched.interval;
        list.entries.push((watched.clone(), Some(due)));
        wake_thread_for(p, &list, due);
        Ok(Some(Watchdog {
            watched: Some(watched),
        }))
    }

    /// Keeps `tasks` (the live tasks as the runtime shuts down, before its
    /// registry closes) for the reports still to come. The references they
    /// hold are dropped with the watchdog.
    pub(crate) fn remember(&self, tasks: Vec<TaskInfo>) {
        if let Some(w) = &self.watched {
            *lock(&w.remembered) = tasks;
        }
    }

    /// Unregisters the runtime, after one last sample that reports a poll
    /// still running. Idempotent.
    pub(crate) fn stop(&mut self) {
        let Some(watched) = self.watched.take() else {
            return;
        };
        lock(&process().list)
            .entries
            .retain(|(w, _)| !Arc::ptr_eq(w, &watched));
        watched.sample(true);
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Wakes the watchdog thread if it waits and would sleep past `due`.
fn wake_thread_for(p: &Process, list: &List, due: Instant) {
    if list.waiting && list.sleeping_until.is_none_or(|t| due < t) {
        p.wake.notify_one();
    }
}

/// A worker of the runtime of `common` woke from a park (or a thread began
/// driving a current-thread runtime): if the watchdog let that runtime go
/// dormant, it samples it again from now on (module docs, "Quiet while
/// idle"). Costs a fence and a load when the runtime is not dormant.
pub(crate) fn wake(common: &Common) {
    fence(SeqCst);
    if !common.watch_dormant.load(Relaxed) || !common.watch_dormant.swap(false, SeqCst) {
        return;
    }
    let p = process();
    let mut list = lock(&p.list);
    let List { entries, .. } = &mut *list;
    let Some((w, due)) = entries
        .iter_mut()
        .find(|(w, _)| std::ptr::eq(w.handle.common(), common))
    else {
        return; // stopped meanwhile
    };
    let at = Instant::now() + w.interval;
    *due = Some(at);
    wake_thread_for(p, &list, at);
}

/// The watchdog thread: samples each runtime when it is due, sleeps until the
/// next one is.
fn run(p: &Process) {
    let mut due = Vec::new();
    let mut list = lock(&p.list);
    loop {
        let now = Instant::now();
        let mut next: Option<Instant> = None;
        for (w, at) in &mut list.entries {
            let Some(t) = at else { continue };
            if *t <= now {
                due.push(w.clone());
                *at = Some(now + w.interval);
            }
            if let Some(t) = *at {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        }
        if !due.is_empty() {
            drop(list);
            let mut dormant = Vec::new();
            for w in due.drain(..) {
                if w.sample(false) == Sampled::Dormant {
                    dormant.push(w);
                }
            }
            list = lock(&p.list);
            for w in dormant {
                // Dormant unless a worker woke it meanwhile.
                if w.handle.common().watch_dormant.load(SeqCst) {
                    if let Some((_, at)) = list.entries.iter_mut().find(|(e, _)| Arc::ptr_eq(e, &w))
                    {
                        *at = None;
                    }
                }
            }
            continue;
        }
        list = wait(p, list, next);
    }
}

/// Sleeps until `until` (`None`: until woken), telling [`Watchdog::start`]
/// and [`wake`] when they must wake us.
fn wait<'a>(
    p: &'a Process,
    mut list: MutexGuard<'a, List>,
    until: Option<Instant>,
) -> MutexGuard<'a, List> {
    list.waiting = true;
    list.sleeping_until = until;
    list = wait_until(&p.wake, list, until).0;
    list.waiting = false;
    list.sleeping_until = None;
    list
}

/// What one sample found to say, said once the sampling lock is released
/// (a report may run a `tracing` subscriber: user code runs under no runtime
/// lock).
enum Report {
    /// This task (found in the registry: its info holds a task reference,
    /// whose drop may drop the task, so it too is dropped after the lock) has
    /// been inside one poll for this long.
    Slow(u64, Option<TaskInfo>, Duration),
    /// This task's reported slow poll ended after this long, and this is
    /// what the runtime did meanwhile.
    Ended(u64, Duration, Meanwhile),
}

/// What a runtime did while one of its polls was slow, for the report.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Meanwhile {
    /// A current-thread runtime has no other thread: every task waited.
    CurrentThread,
    /// Rescue is off (`stall_threshold(None)`), or the poll was not long
    /// enough for it.
    NoRescue,
    /// The worker was rescued: this is what the rescues did.
    Rescued(Rescued),
}

/// How a sample left the runtime.
#[derive(PartialEq, Eq)]
enum Sampled {
    Watching,
    /// Every worker parked, twice in a row, and marked dormant.
    Dormant,
}

impl Watched {
    /// Looks at what each worker is polling; reports each poll the moment it
    /// has lasted the slow-poll threshold, rescues workers stuck for the
    /// stall threshold. `last`: the runtime is stopping, this is its final
    /// sample.
    fn sample(&self, last: bool) -> Sampled {
        let mut reports = Vec::new();
        let mut sampled = Sampled::Watching;
        {
            let mut sampling = lock(&self.sampling);
            if sampling.stopped {
                return sampled;
            }
            sampling.stopped = last;
            let now = Instant::now();
            let common = self.handle.common();
            let multi = match &self.handle {
                scheduler::Handle::Multi(s) => Some(s),
                scheduler::Handle::Current(_) => None,
            };
            let workers = common.workers.len();
            let mut stalled = false;
            let mut rescuers_free = false;
            for (k, s) in sampling.seen.iter_mut().enumerate() {
                let m: Option<&WorkerMetrics> = match multi {
                    _ if k < workers => Some(&common.workers[k]),
                    Some(shared) => shared.rescuers().metrics(k - workers),
                    None => None,
                };
                let (task, polls) = m.map_or((0, 0), |m| {
                    (m.current_task.load(Relaxed), m.polls.load(Relaxed))
                });
                if task != 0 && task == s.task && polls == s.polls {
                    let since = *s.since.get_or_insert(now);
                    let running = now - since;
                    if self.slow.is_some_and(|t| running >= t) && !s.reported {
                        // Alive: it is being polled, and the registry holds
                        // a reference, so nothing is read from a freed task.
                        let info = Id::from_u64(task).and_then(|id| self.find(id));
                        reports.push(Report::Slow(task, info, running));
                        s.reported = true;
                    }
                    if self.stall.is_some_and(|t| running >= t) && !s.stalled {
                        s.stalled = true;
                        if let (Some(shared), true) = (multi, k < workers) {
                            shared.mark_stalled(k, polls);
                        }
                    }
                } else {
                    // The poll we watched has ended (or another began).
                    if let (true, Some(since)) = (s.reported, s.since) {
                        let meanwhile = match (multi, s.stalled) {
                            (None, _) => Meanwhile::CurrentThread,
                            (Some(_), true) => Meanwhile::Rescued(s.rescued),
                            (Some(_), false) => Meanwhile::NoRescue,
                        };
                        reports.push(Report::Ended(s.task, now - since, meanwhile));
                    }
                    *s = Seen {
                        task,
                        polls,
                        since: (task != 0).then_some(now),
                        ..Seen::default()
                    };
                }
                if k < workers {
                    stalled |= s.stalled;
                } else if m.is_some() && s.since.is_none_or(|since| since == now) {
                    // A rescue thread is free unless it has been inside one
                    // poll since the last sample (`rescue.rs`, c).
                    rescuers_free = true;
                }
            }
            if let (Some(shared), true, false) = (multi, stalled, last) {
                let done = scheduler::multi_thread::Shared::rescue(shared, rescuers_free);
                for s in sampling.seen.iter_mut().take(workers).filter(|s| s.stalled) {
                    s.rescued.merge(done);
                }
            }
            if !last && self.all_parked() {
                sampling.idle_samples += 1;
                if sampling.idle_samples >= 2 && self.go_dormant() {
                    sampling.idle_samples = 0;
                    sampled = Sampled::Dormant;
                }
            } else {
                sampling.idle_samples = 0;
            }
        }
        let reports_to = self.handle.reports();
        for report in reports {
            match report {
                Report::Slow(task, info, running) => {
                    reports_to.slow_poll(task, info.as_ref(), running)
                }
                Report::Ended(task, took, meanwhile) => {
                    reports_to.slow_poll_ended(task, took, meanwhile)
                }
            }
        }
        sampled
    }

    /// The live task `id`: in the registry, or once that closed, among the
    /// tasks remembered at shutdown.
    fn find(&self, id: Id) -> Option<TaskInfo> {
        self.handle.registry().find(id).or_else(|| {
            lock(&self.remembered)
                .iter()
                .find(|t| t.id() == id)
                .cloned()
        })
    }

    /// No task runs: every worker is parked (and no rescue thread runs), or
    /// no thread drives a current-thread runtime.
    fn all_parked(&self) -> bool {
        let common = self.handle.common();
        let parked = |m: &WorkerMetrics| m.park_unpark.load(Relaxed) % 2 == 1;
        match &self.handle {
            scheduler::Handle::Multi(s) => {
                common.workers.iter().all(parked)
                    && (0..s.rescuers().len()).all(|i| s.rescuers().metrics(i).is_none())
            }
            scheduler::Handle::Current(s) => parked(&common.workers[0]) || !s.is_driven(),
        }
    }

    /// Marks the runtime dormant unless a worker woke meanwhile (module
    /// docs: the fence pairs with the one in [`wake`]).
    fn go_dormant(&self) -> bool {
        let flag = &self.handle.common().watch_dormant;
        flag.store(true, SeqCst);
        fence(SeqCst);
        if self.all_parked() {
            return true;
        }
        flag.store(false, SeqCst);
        false
    }
}
