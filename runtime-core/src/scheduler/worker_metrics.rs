//! Per-worker counters: written only by the thread running that worker
//! (a load and a store, never a read-modify-write), read by anyone — the
//! metrics and the slow-poll watchdog. Each sits on cache lines of its own,
//! so reading them never slows a worker down and two workers never share a
//! line.

use crate::loom::atomic::{AtomicU64, Ordering::Relaxed};
use crate::task::waits::{self, Word};
use crate::task::Header;
use std::time::Duration;

/// Buckets of the schedule-latency histogram: bucket 0 counts latencies
/// below 1 µs, bucket `i` those in `[2^(i-1), 2^i)` µs, and the last one
/// everything from 2^22 µs (4.2 s) on.
pub(crate) const LATENCY_BUCKETS: usize = 24;

/// The latencies bucket `i` counts.
pub(crate) fn latency_bucket_range(i: usize) -> std::ops::Range<Duration> {
    assert!(
        i < LATENCY_BUCKETS,
        "bucket {i} out of range: the schedule-latency histogram has {LATENCY_BUCKETS} buckets"
    );
    let us = |n: u32| Duration::from_micros(1 << n);
    match i {
        0 => Duration::ZERO..us(0),
        i if i == LATENCY_BUCKETS - 1 => us(i as u32 - 1)..Duration::MAX,
        i => us(i as u32 - 1)..us(i as u32),
    }
}

fn latency_bucket(ns: u64) -> usize {
    let us = ns / 1_000;
    if us == 0 {
        return 0;
    }
    // `us` in [2^(b-1), 2^b) goes to bucket b.
    ((u64::BITS - us.leading_zeros()) as usize).min(LATENCY_BUCKETS - 1)
}

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
    /// The schedule-latency histogram (`LATENCY_BUCKETS` counters), if the
    /// runtime keeps one.
    pub(crate) latency: Option<Box<[AtomicU64]>>,
}

impl WorkerMetrics {
    /// A worker's counters; `latency`: with a schedule-latency histogram.
    pub(crate) fn new(latency: bool) -> WorkerMetrics {
        WorkerMetrics {
            latency: latency.then(|| (0..LATENCY_BUCKETS).map(|_| AtomicU64::new(0)).collect()),
            ..WorkerMetrics::default()
        }
    }

    /// About to poll `task` (the runtime keeps a schedule-latency
    /// histogram): counts the time since it was queued (`task::waits`).
    pub(crate) fn record_latency(&self, task: &Header) {
        let (Some(buckets), Word::Woken(Some(at))) =
            (&self.latency, Word::decode(task.wait.load(Relaxed)))
        else {
            return;
        };
        let bucket = &buckets[latency_bucket(waits::now_ns().saturating_sub(at))];
        Self::bump(bucket);
    }

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

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn each_latency_lands_in_the_bucket_whose_range_holds_it() {
        for ns in [
            0,
            999,
            1_000,
            1_999,
            2_000,
            3_999,
            4_000,
            1_000_000,
            52_000_000,
            4_194_304_000,
            u64::MAX / 2,
        ] {
            let b = latency_bucket(ns);
            let range = latency_bucket_range(b);
            assert!(
                range.contains(&Duration::from_nanos(ns)),
                "{ns} ns in bucket {b}, {range:?}"
            );
        }
    }
}
