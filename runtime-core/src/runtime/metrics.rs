use crate::loom::atomic::Ordering::{Acquire, Relaxed};
use crate::scheduler::{self, WorkerMetrics};
use std::fmt;

/// Counters of a running runtime, readable at any time, cheap enough to poll
/// from a monitoring task. Get one from [`Handle::metrics`](crate::Handle::metrics).
///
/// Per-worker counters are written only by their worker and sit on their own
/// cache line, so reading them never slows the workers down. For the
/// current-thread flavor, "worker 0" is whichever thread drives `block_on`.
///
/// ```
/// let rt = runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// rt.block_on(async { runtime::spawn(async {}).await.unwrap() });
/// let m = rt.handle().metrics();
/// assert_eq!(m.num_workers(), 2);
/// let polls: u64 = (0..m.num_workers()).map(|i| m.worker_poll_count(i)).sum();
/// assert!(polls >= 1);
/// ```
#[derive(Clone)]
pub struct RuntimeMetrics {
    handle: scheduler::Handle,
}

impl RuntimeMetrics {
    pub(crate) fn new(handle: scheduler::Handle) -> RuntimeMetrics {
        RuntimeMetrics { handle }
    }

    fn worker(&self, i: usize) -> &WorkerMetrics {
        let workers = &self.handle.common().workers;
        assert!(
            i < workers.len(),
            "worker index {i} out of range: this runtime has {} worker(s), 0 to {}",
            workers.len(),
            workers.len() - 1
        );
        &workers[i]
    }

    /// Worker threads (1 for the current-thread flavor).
    pub fn num_workers(&self) -> usize {
        self.handle.common().workers.len()
    }

    /// Tasks spawned and not yet finished.
    pub fn num_alive_tasks(&self) -> usize {
        self.handle.registry().len()
    }

    /// I/O events delivered to a live resource (a socket, a pipe) since the
    /// runtime started: how busy its reactor is.
    pub fn io_driver_ready_count(&self) -> u64 {
        self.handle.io().ready_count()
    }

    /// I/O resources registered with the runtime's reactor now.
    pub fn num_io_sources(&self) -> usize {
        self.handle.io().num_sources()
    }

    /// Timers (sleeps, timeouts, intervals) waiting in the runtime's wheel.
    pub fn num_timers(&self) -> usize {
        self.handle.time().num_timers()
    }

    /// Polls that ran longer than the slow-poll threshold (each one was
    /// reported through `tracing` at WARN).
    pub fn slow_poll_count(&self) -> u64 {
        self.handle.reports().slow_polls.load(Acquire)
    }

    /// Tasks that panicked after their `JoinHandle` was dropped (each one
    /// was reported through `tracing` at ERROR).
    pub fn unretrieved_panic_count(&self) -> u64 {
        self.handle.reports().unretrieved_panics.load(Acquire)
    }

    /// Threads of the runtime's blocking pool (busy or idle).
    pub fn num_blocking_threads(&self) -> usize {
        self.handle.common().blocking().num_threads()
    }

    /// Blocking-pool threads waiting for a job.
    pub fn num_idle_blocking_threads(&self) -> usize {
        self.handle.common().blocking().idle_threads()
    }

    /// Blocking jobs waiting for a thread.
    pub fn blocking_queue_depth(&self) -> usize {
        self.handle.common().blocking().queue_depth()
    }

    /// Tasks waiting in the global queue, where tasks spawned or woken from
    /// outside the workers wait (for the current-thread flavor: in its one
    /// run queue). tokio's name.
    pub fn global_queue_depth(&self) -> usize {
        match &self.handle {
            scheduler::Handle::Multi(s) => s.global_queue_depth(),
            scheduler::Handle::Current(s) => s.queue_depth(),
        }
    }

    /// The former name of [`global_queue_depth`](Self::global_queue_depth).
    #[deprecated(since = "0.1.0", note = "renamed `global_queue_depth`, as in tokio")]
    pub fn injection_queue_depth(&self) -> usize {
        self.global_queue_depth()
    }

    /// Task polls worker `i` has made.
    ///
    /// # Panics
    /// If `i >= num_workers()`.
    pub fn worker_poll_count(&self, i: usize) -> u64 {
        self.worker(i).polls.load(Relaxed)
    }

    /// Successful steals by worker `i` from its siblings (always 0 for the
    /// current-thread flavor, which has nobody to steal from).
    pub fn worker_steal_count(&self, i: usize) -> u64 {
        self.worker(i).steals.load(Relaxed)
    }

    /// Times worker `i` went to sleep for lack of work.
    pub fn worker_park_count(&self, i: usize) -> u64 {
        self.worker(i).parks.load(Relaxed)
    }

    /// How many times worker `i` has parked (gone to sleep for lack of
    /// work) plus how many times it has woken from it, as in tokio: odd
    /// while it sleeps.
    pub fn worker_park_unpark_count(&self, i: usize) -> u64 {
        self.worker(i).park_unpark.load(Relaxed)
    }

    /// How long worker `i` has been busy — running tasks, looking for them,
    /// firing timers — rather than asleep, summed up to its last park (a
    /// span still running is not counted yet). Measured once per
    /// park-to-park span (two clock reads), never per poll. For the
    /// current-thread flavor: time spent driving `block_on`, whichever
    /// thread did. Compare it with wall time to see how loaded a worker is.
    pub fn worker_total_busy_duration(&self, i: usize) -> std::time::Duration {
        std::time::Duration::from_nanos(self.worker(i).busy_ns.load(Relaxed))
    }

    /// Whether the runtime keeps a schedule-latency histogram
    /// ([`Builder::enable_metrics_schedule_latency_histogram`](crate::Builder::enable_metrics_schedule_latency_histogram)).
    pub fn schedule_latency_histogram_enabled(&self) -> bool {
        self.handle.common().config.schedule_latency
    }

    /// Buckets of the schedule-latency histogram (0 if it is not kept):
    /// bucket 0 counts latencies below 1 µs, bucket `i` those from
    /// 2<sup>i-1</sup> µs to 2<sup>i</sup> µs, the last one everything from
    /// 2<sup>22</sup> µs (4.2 s) on
    /// ([`schedule_latency_histogram_bucket_range`](Self::schedule_latency_histogram_bucket_range)).
    pub fn schedule_latency_histogram_num_buckets(&self) -> usize {
        if self.schedule_latency_histogram_enabled() {
            scheduler::LATENCY_BUCKETS
        } else {
            0
        }
    }

    /// The latencies that bucket `bucket` of the schedule-latency histogram
    /// counts (the last one's range ends at `Duration::MAX`).
    ///
    /// # Panics
    /// If `bucket` is not below the number of buckets the histogram has
    /// when kept (24).
    pub fn schedule_latency_histogram_bucket_range(
        &self,
        bucket: usize,
    ) -> std::ops::Range<std::time::Duration> {
        scheduler::latency_bucket_range(bucket)
    }

    /// Polls of worker `worker` whose *schedule latency* — the time from
    /// the task being woken (or spawned) to the start of the poll — fell in
    /// bucket `bucket` (tokio 1.53's schedule-latency histogram).
    ///
    /// ```
    /// let rt = runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .enable_metrics_schedule_latency_histogram()
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async { runtime::spawn(async {}).await.unwrap() });
    /// let m = rt.handle().metrics();
    /// let polls: u64 = (0..m.schedule_latency_histogram_num_buckets())
    ///     .map(|b| m.schedule_latency_histogram_bucket_count(0, b))
    ///     .sum();
    /// assert!(polls >= 1);
    /// ```
    ///
    /// # Panics
    /// If `worker >= num_workers()`, or `bucket` is out of range — every
    /// bucket is, if the runtime keeps no histogram (build it with
    /// [`Builder::enable_metrics_schedule_latency_histogram`](crate::Builder::enable_metrics_schedule_latency_histogram)).
    pub fn schedule_latency_histogram_bucket_count(&self, worker: usize, bucket: usize) -> u64 {
        let Some(buckets) = &self.worker(worker).latency else {
            panic!(
                "this runtime keeps no schedule-latency histogram: build it with \
                 `Builder::enable_metrics_schedule_latency_histogram()`"
            );
        };
        assert!(
            bucket < buckets.len(),
            "bucket {bucket} out of range: the schedule-latency histogram has {} buckets",
            buckets.len()
        );
        buckets[bucket].load(Relaxed)
    }

    /// Tasks in worker `i`'s local queue (not counting its LIFO slot).
    pub fn worker_local_queue_depth(&self, i: usize) -> usize {
        self.worker(i); // checks `i`
        match &self.handle {
            scheduler::Handle::Multi(s) => s.worker_local_queue_depth(i),
            scheduler::Handle::Current(_) => 0,
        }
    }
}

impl fmt::Debug for RuntimeMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.num_workers();
        f.debug_struct("RuntimeMetrics")
            .field("num_workers", &n)
            .field("num_alive_tasks", &self.num_alive_tasks())
            .field("global_queue_depth", &self.global_queue_depth())
            .field("num_io_sources", &self.num_io_sources())
            .field("io_driver_ready_count", &self.io_driver_ready_count())
            .field(
                "worker_poll_count",
                &(0..n)
                    .map(|i| self.worker_poll_count(i))
                    .collect::<Vec<_>>(),
            )
            .field(
                "worker_steal_count",
                &(0..n)
                    .map(|i| self.worker_steal_count(i))
                    .collect::<Vec<_>>(),
            )
            .field(
                "worker_park_count",
                &(0..n)
                    .map(|i| self.worker_park_count(i))
                    .collect::<Vec<_>>(),
            )
            .field(
                "worker_total_busy_duration",
                &(0..n)
                    .map(|i| self.worker_total_busy_duration(i))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}
