//! Per-worker counters: written only by the thread running that worker
//! (a load and a store, never a read-modify-write), read by anyone — the
//! metrics and the slow-poll watchdog. Each sits on cache lines of its own,
//! so reading them never slows a worker down and two workers never share a
//! line.

use crate::loom::atomic::{AtomicU64, Ordering::Relaxed};

/// One worker's counters (module docs).
#[derive(Default)]
#[repr(align(128))]
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
