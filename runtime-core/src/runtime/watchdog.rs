//! Slow-poll reports: asyncio debug mode's "Executing `<Task>` took 1.2
//! seconds", the most useful warning for the `time.sleep(1)`-inside-async bug.
//!
//! Timing every poll would cost two clock reads (~45 ns each on the VM this
//! was measured on: more than the poll of a small task). Instead each worker
//! publishes, with one relaxed store per poll, the id of the task it is
//! polling (`WorkerMetrics::current_task`) next to its poll counter, and
//! stores 0 when it stops polling (before it parks or fires timers; the
//! current-thread flavor after each batch of tasks). A watchdog samples
//! them every `threshold / 5`: a worker seen on the same nonzero (task, poll
//! count) in consecutive samples is still inside one poll. (Between the end
//! of a poll and the worker's next poll or park there is only a bounded look
//! at the run queues, so a poll is never over-reported by more than that.)
//!
//! As soon as one poll has lasted `threshold` since it was first seen — while
//! it is still running — the task's name and spawn location are looked up in
//! the registry (the task is alive while it is being polled, and the registry
//! holds a reference, so nothing is read from a freed task), `slow_poll_count`
//! grows by one and one WARN report goes out ([`Reports`](super::Reports): through `tracing`,
//! or on stderr when no subscriber is installed). Reporting during the poll,
//! not after it, means a poll that never returns (a deadlock, an endless loop)
//! is reported too, and a slow task's report and count are in place by the
//! time anything awaiting it runs. When the poll ends, a DEBUG event gives its
//! whole duration.
//!
//! # One thread for the whole process
//!
//! Every runtime of the process is sampled by one thread, `runtime-watchdog`,
//! started by the first runtime that wants slow-poll reports and never
//! stopped: it waits on a condition variable, with no timeout, while no
//! runtime is registered. A runtime start therefore costs a lock and a push
//! (not a thread spawn and join, which would be most of a current-thread
//! runtime's start-up), and a program with many runtimes (every
//! `#[runtime::test]`) has one watchdog, not one each.
//!
//! - [`Watchdog::start`] registers the runtime: a [`Watched`] entry (its
//!   handle, interval and sampling state) in the process's list, with the
//!   time of its next sample. The thread is woken only when the new entry is
//!   due before the thread means to wake anyway.
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
//! Precision: a poll is measured from the first sample that saw it, so the
//! reported duration is within one sample interval of the truth, and polls
//! only slightly longer than the threshold may go unreported — never polls
//! shorter than it.
//!
//! The list lives in a process-wide `OnceLock`; its lock and condition
//! variable come from the loom shim like every other, though no loom model
//! builds a runtime (and so none starts this thread).

use crate::loom::atomic::Ordering::Relaxed;
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
    threshold: Duration,
    /// Time between two samples: `threshold / 5`, at least 1 ms.
    interval: Duration,
    /// Taken by whoever samples (the watchdog thread, or the last sample in
    /// [`Watchdog::stop`]): one sample at a time per runtime.
    sampling: Mutex<Sampling>,
}

struct Sampling {
    /// One per worker (one for the current-thread flavor).
    seen: Vec<Seen>,
    /// Set by the last sample: later samples do nothing.
    stopped: bool,
}

#[derive(Default)]
struct Seen {
    task: u64,
    polls: u64,
    /// When this (task, polls) pair was first sampled.
    since: Option<Instant>,
    /// The poll passed the threshold and was reported.
    reported: bool,
}

/// The process's watchdog: what it watches, and when.
struct Process {
    list: Mutex<List>,
    /// Wakes the thread: a runtime registered that is due before the thread
    /// meant to wake.
    wake: Condvar,
}

#[derive(Default)]
struct List {
    /// Registered runtimes, each with the time its next sample is due.
    entries: Vec<(Arc<Watched>, Instant)>,
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
    /// watchdog thread if this is the first runtime to ask.
    pub(crate) fn start(
        handle: scheduler::Handle,
        threshold: Duration,
    ) -> std::io::Result<Watchdog> {
        let seen = handle
            .common()
            .workers
            .iter()
            .map(|_| Seen::default())
            .collect();
        let watched = Arc::new(Watched {
            handle,
            threshold,
            interval: (threshold / 5).max(Duration::from_millis(1)),
            sampling: Mutex::new(Sampling {
                seen,
                stopped: false,
            }),
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
        list.entries.push((watched.clone(), due));
        // Wake the thread only if it would otherwise sleep past `due`.
        if list.waiting && list.sleeping_until.is_none_or(|t| due < t) {
            p.wake.notify_one();
        }
        Ok(Watchdog {
            watched: Some(watched),
        })
    }

    /// Unregisters the runtime, after one last sample that reports a poll
    /// still running. Idempotent.
    pub(crate) fn stop(&mut self) {
        let Some(watched) = self.watched.take() else {
            return;
        };
        process()
            .list
            .lock()
            .unwrap()
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

/// The watchdog thread: samples each runtime when it is due, sleeps until the
/// next one is.
fn run(p: &Process) {
    let mut due = Vec::new();
    let mut list = lock(&p.list);
    loop {
        let now = Instant::now();
        let mut next: Option<Instant> = None;
        for (w, at) in &mut list.entries {
            if *at <= now {
                due.push(w.clone());
                *at = now + w.interval;
            }
            next = Some(next.map_or(*at, |n| n.min(*at)));
        }
        if !due.is_empty() {
            drop(list);
            for w in due.drain(..) {
                w.sample(false);
            }
            list = lock(&p.list);
            continue;
        }
        list = wait(p, list, next);
    }
}

/// Sleeps until `until` (`None`: until woken), telling [`Watchdog::start`]
/// when it must wake us.
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
    /// This task's reported slow poll ended after this long.
    Ended(u64, Duration),
}

impl Watched {
    /// Looks at what each worker is polling; reports each poll the moment it
    /// has lasted `threshold`. `last`: the runtime is stopping, this is its
    /// final sample.
    fn sample(&self, last: bool) {
        let mut reports = Vec::new();
        {
            let mut sampling = lock(&self.sampling);
            if sampling.stopped {
                return;
            }
            sampling.stopped = last;
            let now = Instant::now();
            for (m, s) in self
                .handle
                .common()
                .workers
                .iter()
                .zip(sampling.seen.iter_mut())
            {
                let task = m.current_task.load(Relaxed);
                let polls = m.polls.load(Relaxed);
                if task != 0 && task == s.task && polls == s.polls {
                    let since = *s.since.get_or_insert(now);
                    if !s.reported && now - since >= self.threshold {
                        // Alive: it is being polled, and the registry holds
                        // a reference, so nothing is read from a freed task.
                        let info =
                            Id::from_u64(task).and_then(|id| self.handle.registry().find(id));
                        reports.push(Report::Slow(task, info, now - since));
                        s.reported = true;
                    }
                    continue;
                }
                // The poll we watched has ended (or another began).
                if let (true, Some(since)) = (s.reported, s.since) {
                    reports.push(Report::Ended(s.task, now - since));
                }
                *s = Seen {
                    task,
                    polls,
                    since: (task != 0).then_some(now),
                    reported: false,
                };
            }
        }
        let handle = &self.handle;
        for report in reports {
            match report {
                Report::Slow(task, info, running) => {
                    handle.reports().slow_poll(task, info.as_ref(), running)
                }
                Report::Ended(task, took) => handle.reports().slow_poll_ended(task, took),
            }
        }
    }
}
