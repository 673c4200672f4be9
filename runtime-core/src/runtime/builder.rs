use super::{Runtime, TaskCallback, TaskHooks, TaskMeta};
use crate::scheduler::{
    self, current_thread, multi_thread, run_hook, Callback, Config, Flavor,
    DEFAULT_MAX_RESCUE_THREADS, DEFAULT_STALL_THRESHOLD, EVENT_INTERVAL,
};
use std::fmt;
use std::io;
use std::time::Duration;

/// Configures and builds a [`Runtime`].
///
/// ```
/// let rt = runtime::Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("my-app")
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
pub struct Builder {
    kind: Flavor,
    worker_threads: Option<usize>,
    start_paused: bool,
    slow_poll_threshold: Option<Duration>,
    stall_threshold: Option<Duration>,
    max_rescue_threads: usize,
    max_blocking_threads: usize,
    thread_keep_alive: Duration,
    /// `None`: `{name}-worker`, or `runtime-worker` without a name.
    thread_name: Option<String>,
    name: Option<String>,
    global_queue_interval: u32,
    disable_lifo_slot: bool,
    on_thread_start: Option<Callback>,
    on_thread_stop: Option<Callback>,
    /// `Some(threads)`: start (or join) the process's tokio bridge, with
    /// `threads` workers (`None`: one per core).
    #[cfg(feature = "tokio-bridge")]
    tokio_bridge: Option<Option<usize>>,
    task_hooks: TaskHooks,
    schedule_latency: bool,
}

impl Builder {
    /// A work-stealing runtime with one worker thread per CPU core (change it
    /// with [`worker_threads`](Self::worker_threads)).
    pub fn new_multi_thread() -> Builder {
        Builder::new(Flavor::MultiThread)
    }

    /// A runtime that runs every task on the thread calling
    /// [`Runtime::block_on`], in FIFO order: deterministic, like asyncio's
    /// event loop.
    pub fn new_current_thread() -> Builder {
        Builder::new(Flavor::CurrentThread)
    }

    fn new(kind: Flavor) -> Builder {
        Builder {
            kind,
            worker_threads: None,
            start_paused: false,
            slow_poll_threshold: Some(Duration::from_millis(100)),
            stall_threshold: Some(DEFAULT_STALL_THRESHOLD),
            max_rescue_threads: DEFAULT_MAX_RESCUE_THREADS,
            max_blocking_threads: 512,
            thread_keep_alive: Duration::from_secs(10),
            thread_name: None,
            name: None,
            global_queue_interval: EVENT_INTERVAL,
            disable_lifo_slot: false,
            on_thread_start: None,
            on_thread_stop: None,
            #[cfg(feature = "tokio-bridge")]
            tokio_bridge: None,
            task_hooks: TaskHooks::default(),
            schedule_latency: false,
        }
    }

    /// Number of worker threads (multi-thread flavor; default: the number of
    /// CPU cores). `0` makes [`build`](Self::build) fail.
    pub fn worker_threads(&mut self, n: usize) -> &mut Builder {
        self.worker_threads = Some(n);
        self
    }

    /// Name prefix of the worker threads; worker `i` is named `{name}-{i}`,
    /// blocking-pool threads `{name}-blocking` (default `runtime-worker`, or
    /// `{runtime name}-worker` with [`name`](Self::name)).
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        self.thread_name = Some(name.into());
        self
    }

    /// Names the runtime (tokio has no such setting), so a process with
    /// several runtimes can tell them apart: the name is
    /// [`Handle::name`](crate::Handle::name) and the default
    /// [`thread_name`](Self::thread_name) prefix (`{name}-worker`, so worker
    /// `i` is `{name}-worker-{i}`).
    ///
    /// ```
    /// let rt = runtime::Builder::new_multi_thread()
    ///     .name("api")
    ///     .worker_threads(1)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.handle().name(), Some("api"));
    /// let thread = rt.block_on(async {
    ///     runtime::spawn(async { std::thread::current().name().map(str::to_owned) })
    ///         .await
    ///         .unwrap()
    /// });
    /// assert_eq!(thread.as_deref(), Some("api-worker-0"));
    /// ```
    pub fn name(&mut self, name: impl Into<String>) -> &mut Builder {
        self.name = Some(name.into());
        self
    }

    /// Multi-thread flavor: how many tasks a worker runs between looks at
    /// the global (injection) queue ahead of its own queue — and at timers
    /// and I/O without parking, which tokio sets apart as `event_interval`.
    /// Default 61. Lower favours tasks spawned from outside the runtime and
    /// timer precision under load; higher, throughput of the tasks already
    /// on a worker. The current-thread flavor has one FIFO queue and
    /// ignores it.
    ///
    /// # Panics
    /// If `n` is 0.
    #[track_caller]
    pub fn global_queue_interval(&mut self, n: u32) -> &mut Builder {
        assert!(n > 0, "global_queue_interval must be greater than 0");
        self.global_queue_interval = n;
        self
    }

    /// Multi-thread flavor: turns off the LIFO slot, so a task woken (or
    /// spawned) by a running task queues behind the worker's other tasks
    /// instead of running next. The slot speeds up message passing (the
    /// receiver runs while the message is in cache); turning it off gives a
    /// strict FIFO per worker. The current-thread flavor has no slot.
    pub fn disable_lifo_slot(&mut self) -> &mut Builder {
        self.disable_lifo_slot = true;
        self
    }

    /// Does nothing: this runtime's timers and I/O driver are always on.
    /// Kept so code written for tokio builds unchanged.
    pub fn enable_all(&mut self) -> &mut Builder {
        self
    }

    /// Does nothing: the I/O driver is always on (see
    /// [`enable_all`](Self::enable_all)).
    pub fn enable_io(&mut self) -> &mut Builder {
        self
    }

    /// Does nothing: timers are always on (see
    /// [`enable_all`](Self::enable_all)).
    pub fn enable_time(&mut self) -> &mut Builder {
        self
    }

    /// Most threads the runtime's blocking pool (for
    /// [`spawn_blocking`](crate::spawn_blocking)) may start; default 512.
    /// Threads start on demand, so a large cap costs nothing until used.
    /// `0` makes [`build`](Self::build) fail.
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Builder {
        self.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking-pool thread waits for work before it exits;
    /// default 10 s.
    pub fn thread_keep_alive(&mut self, d: Duration) -> &mut Builder {
        self.thread_keep_alive = d;
        self
    }

    /// Starts the runtime with its clock paused: time moves only when every
    /// task is idle (it jumps to the next timer) or by `time::advance`, so
    /// tests of long timeouts run in microseconds. Current-thread flavor only
    /// ([`build`](Self::build) fails otherwise).
    pub fn start_paused(&mut self, paused: bool) -> &mut Builder {
        self.start_paused = paused;
        self
    }

    /// Reports every poll that runs longer than `threshold` (default 100 ms)
    /// at WARN, with the task's name, id and spawn location, and counts it
    /// in [`RuntimeMetrics::slow_poll_count`](crate::RuntimeMetrics::slow_poll_count):
    /// asyncio debug mode's "Executing &lt;Task&gt; took 1.2 seconds". The
    /// report goes out while the poll is still running, as soon as it passed
    /// the threshold (so a poll that never returns is reported too, and the
    /// count is up to date when the slow task finishes); a DEBUG event gives
    /// the poll's whole duration when it ends. Reports go through `tracing`,
    /// or to stderr as one line when no subscriber is installed. `None` turns
    /// it off, with its sampling thread and its one store per poll. Left on,
    /// it costs about 1 % on a workload of 50 ns polls (BENCHMARKS.md).
    ///
    /// A slow poll means a task blocked its worker thread: `std::thread::sleep`,
    /// blocking I/O or a long computation inside async code.
    pub fn slow_poll_threshold(&mut self, threshold: Option<Duration>) -> &mut Builder {
        self.slow_poll_threshold = threshold;
        self
    }

    /// Multi-thread flavor: a task whose poll runs longer than `threshold`
    /// (default 20 ms) is taken to have blocked its worker thread, and the
    /// runtime rescues what that worker holds, so one blocking task does not
    /// stall the others: the task it woke last and the tasks queued behind
    /// it go to other workers (or to a rescue thread, see
    /// [`max_rescue_threads`](Self::max_rescue_threads)), and so does the
    /// duty of watching timers and sockets. The blocking task itself cannot
    /// be interrupted: it goes on blocking its thread until its poll
    /// returns. `None` turns the rescue off (as in tokio: tasks queued behind
    /// a blocking task wait for it).
    ///
    /// The default is long enough that a poll doing real work (parsing a
    /// large body, compressing a block: a few milliseconds) is not taken
    /// for a stuck one, and short enough that what waits behind a stuck
    /// worker runs within a few tens of milliseconds: detection takes the
    /// threshold plus a quarter of it (the watchdog samples every quarter).
    /// A false alarm costs little — another worker woken, a task run on a
    /// colder core. With rescue on, each poll costs one relaxed store (the
    /// same one as [`slow_poll_threshold`](Self::slow_poll_threshold)'s).
    ///
    /// The current-thread flavor has a single thread and cannot rescue: a
    /// blocking task stalls all the others there (as in asyncio), and the
    /// slow-poll report is the remedy.
    pub fn stall_threshold(&mut self, threshold: Option<Duration>) -> &mut Builder {
        self.stall_threshold = threshold;
        self
    }

    /// Multi-thread flavor: the most *rescue threads* that may run at once
    /// (default 64). When every worker is stuck inside a blocking poll and
    /// tasks are waiting (or timers and sockets have nobody to watch them),
    /// the runtime starts a rescue thread — on its blocking pool — to run
    /// them, one more each time the stall threshold passes with all threads
    /// stuck again (Go's runtime does the same for threads stuck in system
    /// calls). Rescue threads leave as soon as no worker is stuck. Past the
    /// bound, waiting tasks wait for a thread to come back from its blocking
    /// poll, as they would without rescue. `0` starts none (the other rescue
    /// steps still happen).
    pub fn max_rescue_threads(&mut self, n: usize) -> &mut Builder {
        self.max_rescue_threads = n;
        self
    }

    /// Runs `f` on each runtime thread as it starts, before it runs anything:
    /// the worker threads and, as in tokio, the blocking-pool threads. A
    /// panic in `f` is reported and contained; the thread still serves.
    pub fn on_thread_start<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.on_thread_start = Some(std::sync::Arc::new(f));
        self
    }

    /// Runs `f` on each runtime thread (workers and blocking-pool threads)
    /// just before it exits. A panic in `f` is reported and contained.
    pub fn on_thread_stop<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.on_thread_stop = Some(std::sync::Arc::new(f));
        self
    }

    /// Runs this runtime with the tokio bridge (feature `tokio-bridge`):
    /// one tokio runtime for the process — its reactor, its timer and a
    /// pool of [`tokio_bridge_threads`](Self::tokio_bridge_threads) workers
    /// (default: one per CPU core) — whose context is entered on every
    /// thread of this runtime (workers, the thread in `block_on`,
    /// blocking-pool jobs). Crates that call tokio's runtime directly —
    /// reqwest, sqlx's pool, tonic's `Channel`, `axum::serve` — then work
    /// unchanged, with no wrapper per future, and their futures are still
    /// polled on this runtime's workers; only what such a crate itself
    /// `tokio::spawn`s runs on the bridge's threads.
    ///
    /// The cost: the bridge's threads (they sleep when idle); a wake-up
    /// from the bridge's reactor or timer to one of our tasks crosses
    /// threads; tasks the bridged crates spawn on it are tokio's, not in
    /// [`task::all_tasks`](crate::task::all_tasks), the dump or the
    /// slow-poll reports. Crates that take an executor and a timer (hyper,
    /// axum's `Router`, tonic's servers, tower) need no bridge: see
    /// `runtime::hyper` (feature `hyper`) and `runtime::tower`.
    ///
    /// The first runtime built with the bridge starts it; later ones (in
    /// the same process) share it, and it is never shut down.
    ///
    /// ```
    /// let rt = runtime::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .tokio_bridge()
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     // Code that needs tokio's runtime, polled on our worker:
    ///     let on_worker = runtime::spawn(async {
    ///         tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    ///         tokio::runtime::Handle::try_current().is_ok()
    ///     });
    ///     assert!(on_worker.await.unwrap());
    /// });
    /// ```
    #[cfg(feature = "tokio-bridge")]
    pub fn tokio_bridge(&mut self) -> &mut Builder {
        self.tokio_bridge.get_or_insert(None);
        self
    }

    /// The tokio bridge's worker count (default: one per CPU core), and
    /// turns the bridge on ([`tokio_bridge`](Self::tokio_bridge)). The
    /// bridge is one per process: a later runtime asking for a different
    /// count gets the running bridge (and a WARN). `0` makes
    /// [`build`](Self::build) fail.
    #[cfg(feature = "tokio-bridge")]
    pub fn tokio_bridge_threads(&mut self, n: usize) -> &mut Builder {
        self.tokio_bridge = Some(Some(n));
        self
    }

    /// Runs `f` for each task spawned on this runtime (and on a
    /// [`LocalSet`](crate::task::LocalSet) made inside it), on the spawning
    /// thread, before the task is first queued: tokio's `on_task_spawn`,
    /// stable here. `f` is told the task's id, name and spawn location.
    ///
    /// Task hooks cost nothing per task when none is set but a load and a
    /// branch (at spawn, around each poll, at completion); a hook that is
    /// set costs its own call (plus a `catch_unwind` that costs nothing
    /// unless it panics). A panic in a hook is reported at ERROR and
    /// contained: the task carries on.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let spawned = Arc::new(AtomicUsize::new(0));
    /// let counter = spawned.clone();
    /// let rt = runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .on_task_spawn(move |task| {
    ///         assert!(task.spawned_at().file().ends_with(".rs"));
    ///         counter.fetch_add(1, Ordering::Relaxed);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async { runtime::spawn(async {}).await.unwrap() });
    /// assert_eq!(spawned.load(Ordering::Relaxed), 1);
    /// ```
    pub fn on_task_spawn<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn(&TaskMeta<'_>) + Send + Sync + 'static,
    {
        self.task_hooks.spawn = Some(std::sync::Arc::new(f) as TaskCallback);
        self
    }

    /// Runs `f` once for each task of this runtime that ends — returns,
    /// panics or is cancelled (aborted, or dropped at shutdown) — on the
    /// thread that ends it, after its future is gone and before a joiner
    /// sees the output: tokio's `on_task_terminate`. See
    /// [`on_task_spawn`](Self::on_task_spawn) for the cost.
    pub fn on_task_terminate<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn(&TaskMeta<'_>) + Send + Sync + 'static,
    {
        self.task_hooks.terminate = Some(std::sync::Arc::new(f) as TaskCallback);
        self
    }

    /// Runs `f` just before each poll of each task of this runtime, on the
    /// polling thread (a `task::id()` inside `f` is the task's): tokio's
    /// `on_before_task_poll`. See [`on_task_spawn`](Self::on_task_spawn)
    /// for the cost; a hook here runs as often as polls do, so keep it
    /// short.
    pub fn on_before_task_poll<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn(&TaskMeta<'_>) + Send + Sync + 'static,
    {
        self.task_hooks.before_poll = Some(std::sync::Arc::new(f) as TaskCallback);
        self
    }

    /// Runs `f` just after each poll of each task of this runtime (a poll
    /// that panicked included), on the polling thread: tokio's
    /// `on_after_task_poll`. See
    /// [`on_before_task_poll`](Self::on_before_task_poll).
    pub fn on_after_task_poll<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn(&TaskMeta<'_>) + Send + Sync + 'static,
    {
        self.task_hooks.after_poll = Some(std::sync::Arc::new(f) as TaskCallback);
        self
    }

    /// Keeps a histogram of the runtime's *schedule latency*: the time from
    /// a task being woken (or spawned) to the start of its poll, per worker
    /// (tokio's `enable_metrics_schedule_latency_histogram`). Read it with
    /// [`RuntimeMetrics::schedule_latency_histogram_bucket_count`](crate::RuntimeMetrics::schedule_latency_histogram_bucket_count).
    ///
    /// Off by default, as in tokio: it takes two reads of the precise clock
    /// per wake-to-poll (one when the task is queued, one when a worker
    /// picks it up), 20–80 ns each on a virtual machine. On this project's
    /// VM a workload of 50 ns polls (100 tasks yielding) ran 3.2× slower
    /// with it, spawning and joining 10 000 tasks 1.4× (BENCHMARKS.md):
    /// turn it on to investigate, not by default in production. Tasks of a
    /// `LocalSet` are not counted (they are polled by the set, not by a
    /// worker).
    pub fn enable_metrics_schedule_latency_histogram(&mut self) -> &mut Builder {
        self.schedule_latency = true;
        self
    }

    /// Builds the runtime, starting its worker threads.
    ///
    /// # Errors
    /// `InvalidInput` for `worker_threads(0)` (or with the current-thread
    /// flavor, which has no worker threads); the OS error if a worker thread
    /// cannot be started.
    pub fn build(&mut self) -> io::Result<Runtime> {
        if self.max_blocking_threads == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "max_blocking_threads(0): the blocking pool needs at least 1 thread \
                 (threads start on demand, so the default of 512 costs nothing until used)",
            ));
        }
        let thread_name = match (&self.thread_name, &self.name) {
            (Some(t), _) => t.clone(),
            (None, Some(name)) => format!("{name}-worker"),
            (None, None) => "runtime-worker".to_string(),
        };
        let mut blocking = runtime_blocking::BlockingPool::builder()
            .max_threads(self.max_blocking_threads)
            .keep_alive(self.thread_keep_alive)
            .thread_name(format!("{thread_name}-blocking"));
        // The hooks run on blocking threads too (as in tokio), contained the
        // same way as on workers, so a panicking hook never fails a job.
        if let Some(f) = self.on_thread_start.clone() {
            blocking = blocking.on_thread_start(move || run_hook(Some(&f), "on_thread_start"));
        }
        if let Some(f) = self.on_thread_stop.clone() {
            blocking = blocking.on_thread_stop(move || run_hook(Some(&f), "on_thread_stop"));
        }
        #[cfg(feature = "tokio-bridge")]
        let tokio_bridge = match self.tokio_bridge {
            Some(threads) => Some(super::tokio_bridge::start(threads)?),
            None => None,
        };
        let blocking = blocking.build()?;
        let config = Config {
            #[cfg(feature = "tokio-bridge")]
            tokio_bridge,
            start_paused: self.start_paused,
            on_thread_start: self.on_thread_start.clone(),
            on_thread_stop: self.on_thread_stop.clone(),
            watch_polls: self.slow_poll_threshold.is_some()
                || (self.kind == Flavor::MultiThread && self.stall_threshold.is_some()),
            stall_threshold: self.stall_threshold,
            max_rescue_threads: self.max_rescue_threads,
            global_queue_interval: self.global_queue_interval,
            disable_lifo_slot: self.disable_lifo_slot,
            task_hooks: (!self.task_hooks.is_empty())
                .then(|| std::sync::Arc::new(self.task_hooks.clone())),
            schedule_latency: self.schedule_latency,
            name: self.name.as_deref().map(Into::into),
            ..Config::new(self.kind, blocking)
        };
        match self.kind {
            Flavor::CurrentThread => {
                if let Some(n) = self.worker_threads {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!(
                            "worker_threads({n}) was set on a current-thread runtime, which runs \
                             every task on the thread calling `block_on`; use \
                             `Builder::new_multi_thread()` to get worker threads"
                        ),
                    ));
                }
                let shared = current_thread::Shared::new(config)?;
                Runtime::from_parts(
                    scheduler::Handle::Current(shared),
                    Vec::new(),
                    self.slow_poll_threshold,
                )
            }
            Flavor::MultiThread => {
                if self.start_paused {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "start_paused(true) needs the current-thread flavor \
                         (`Builder::new_current_thread()` or `#[runtime::test]`): with several \
                         workers, time could jump while one of them is still busy",
                    ));
                }
                let n =
                    match self.worker_threads {
                        Some(0) => return Err(io::Error::new(
                            io::ErrorKind::InvalidInput,
                            "worker_threads(0): a multi-thread runtime needs at least 1 worker \
                             thread; leave it unset for one per CPU core",
                        )),
                        Some(n) => n,
                        None => default_workers(),
                    };
                let (shared, threads) = multi_thread::launch(n, config, &thread_name)?;
                Runtime::from_parts(
                    scheduler::Handle::Multi(shared),
                    threads,
                    self.slow_poll_threshold,
                )
            }
        }
    }
}

fn default_workers() -> usize {
    #[cfg(loom)]
    return 2;
    #[cfg(not(loom))]
    num_cpus::get().max(1)
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("flavor", &self.kind)
            .field("worker_threads", &self.worker_threads)
            .field("name", &self.name)
            .field("thread_name", &self.thread_name)
            .finish_non_exhaustive()
    }
}
