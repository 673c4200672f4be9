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
//! Once one poll has lasted `threshold` since it was first seen, the task's
//! name and spawn location are looked up in the registry (the task is alive
//! while it is being polled, and the registry holds a reference, so nothing
//! is read from a freed task). When the poll ends, one WARN event goes out
//! through `tracing` with the measured duration, and `slow_poll_count`
//! grows by one.
//!
//! Precision: a poll is measured from the first sample that saw it, so the
//! reported duration is within one sample interval of the truth, and polls
//! only slightly longer than the threshold may go unreported — never polls
//! shorter than it.

use crate::loom::atomic::Ordering::Relaxed;
use crate::loom::{Arc, Condvar, Mutex};
use crate::scheduler::{self, multi_thread::WorkerMetrics};
use crate::task::{Id, TaskInfo};
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
    /// Filled once the poll passed the threshold.
    slow: Option<Option<TaskInfo>>,
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
    let mut stopped = stop.0.lock().unwrap();
    loop {
        // Checked before waiting too: a stop that came before we first
        // waited must not cost a whole interval (runtime drop waits for us).
        if *stopped {
            return;
        }
        stopped = stop.1.wait_timeout(stopped, interval).unwrap().0;
        if *stopped {
            return;
        }
        let now = Instant::now();
        for (m, s) in workers(&handle).into_iter().zip(seen.iter_mut()) {
            let task = m.current_task.load(Relaxed);
            let polls = m.polls.load(Relaxed);
            if task != 0 && task == s.task && polls == s.polls {
                let since = *s.since.get_or_insert(now);
                if s.slow.is_none() && now - since >= threshold {
                    let id = Id::from_u64(task);
                    s.slow = Some(id.and_then(|id| handle.registry().find(id)));
                }
                continue;
            }
            // The poll we watched has ended (or another began).
            if let (Some(info), Some(since)) = (s.slow.take(), s.since) {
                handle.reports().slow_poll(s.task, info, now - since);
            }
            *s = Seen {
                task,
                polls,
                since: (task != 0).then_some(now),
                slow: None,
            };
        }
    }
}
