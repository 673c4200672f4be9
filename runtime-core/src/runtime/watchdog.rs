//! Slow-poll reports: asyncio debug mode's "Executing `<Task>` took 1.2
//! seconds", the most useful warning for the `time.sleep(1)`-inside-async bug.
//!
//! Timing every poll would cost two clock reads (~45 ns each on the VM this
//! was measured on: more than the poll of a small task). Instead each worker
//! publishes, with one relaxed store per poll, the id of the task it is
//! polling (`WorkerMetrics::current_task`) next to its poll counter, and
//! stores 0 when it stops polling (before it parks or fires timers; the
//! current-thread flavor after each batch of tasks). This thread samples
//! them every `threshold / 5`: a worker seen on the same nonzero (task, poll
//! count) in consecutive samples is still inside one poll. (Between the end
//! of a poll and the worker's next poll or park there is only a bounded look
//! at the run queues, so a poll is never over-reported by more than that.)
//!
//! As soon as one poll has lasted `threshold` since it was first seen — while
//! it is still running — the task's name and spawn location are looked up in
//! the registry (the task is alive while it is being polled, and the registry
//! holds a reference, so nothing is read from a freed task), `slow_poll_count`
//! grows by one and one WARN report goes out (`reports.rs`: through `tracing`,
//! or on stderr when no subscriber is installed). Reporting during the poll,
//! not after it, means a poll that never returns (a deadlock, an endless loop)
//! is reported too, and a slow task's report and count are in place by the
//! time anything awaiting it runs. When the poll ends, a DEBUG event gives its
//! whole duration.
//!
//! The runtime stops this thread only after its workers have exited (or the
//! shutdown gave up on them), and the thread takes one last sample as it
//! stops, so a slow poll still running at shutdown is reported as well.
//!
//! Precision: a poll is measured from the first sample that saw it, so the
//! reported duration is within one sample interval of the truth, and polls
//! only slightly longer than the threshold may go unreported — never polls
//! shorter than it.

use crate::loom::atomic::Ordering::Relaxed;
use crate::loom::{Arc, Condvar, Mutex};
use crate::scheduler::{self, multi_thread::WorkerMetrics};
use crate::task::Id;
use std::time::{Duration, Instant};

pub(crate) struct Watchdog {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<crate::loom::thread::JoinHandle<()>>,
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

impl Watchdog {
    pub(crate) fn start(
        handle: scheduler::Handle,
        threshold: Duration,
    ) -> std::io::Result<Watchdog> {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let stop2 = stop.clone();
        let interval = (threshold / 5).max(Duration::from_millis(1));
        let thread = crate::loom::thread::Builder::new()
            .name("runtime-watchdog".into())
            .spawn(move || run(handle, threshold, interval, &stop2))?;
        Ok(Watchdog {
            stop,
            thread: Some(thread),
        })
    }

    pub(crate) fn stop(&mut self) {
        *self.stop.0.lock().unwrap() = true;
        self.stop.1.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop();
    }
}

fn workers(handle: &scheduler::Handle) -> Vec<&WorkerMetrics> {
    match handle {
        scheduler::Handle::Multi(s) => (0..s.num_workers()).map(|i| s.worker_metrics(i)).collect(),
        scheduler::Handle::Current(s) => vec![s.metrics()],
    }
}

fn run(
    handle: scheduler::Handle,
    threshold: Duration,
    interval: Duration,
    stop: &(Mutex<bool>, Condvar),
) {
    let mut seen: Vec<Seen> = workers(&handle).iter().map(|_| Seen::default()).collect();
    loop {
        // The flag is checked before waiting too: a stop that came before
        // we first waited must not cost a whole interval (runtime shutdown
        // waits for us). The lock is not held while sampling, which may
        // run a `tracing` subscriber.
        let stopping = {
            let stopped = stop.0.lock().unwrap();
            *stopped || *stop.1.wait_timeout(stopped, interval).unwrap().0
        };
        // The last sample, taken as we stop, reports a poll that passed
        // the threshold since the one before.
        sample(&handle, threshold, &mut seen);
        if stopping {
            return;
        }
    }
}

/// Looks at what each worker is polling; reports each poll the moment it
/// has lasted `threshold`.
fn sample(handle: &scheduler::Handle, threshold: Duration, seen: &mut [Seen]) {
    let now = Instant::now();
    for (m, s) in workers(handle).into_iter().zip(seen.iter_mut()) {
        let task = m.current_task.load(Relaxed);
        let polls = m.polls.load(Relaxed);
        if task != 0 && task == s.task && polls == s.polls {
            let since = *s.since.get_or_insert(now);
            if !s.reported && now - since >= threshold {
                let info = Id::from_u64(task).and_then(|id| handle.registry().find(id));
                handle.reports().slow_poll(task, info.as_ref(), now - since);
                s.reported = true;
            }
            continue;
        }
        // The poll we watched has ended (or another began).
        if let (true, Some(since)) = (s.reported, s.since) {
            handle.reports().slow_poll_ended(s.task, now - since);
        }
        *s = Seen {
            task,
            polls,
            since: (task != 0).then_some(now),
            reported: false,
        };
    }
}
