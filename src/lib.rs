//! # runtime
//!
//! A multi-threaded, work-stealing async runtime with a blocking-pool
//! bridge: Python asyncio's tasks, `gather`, `as_completed`, `wait`,
//! `wait_for`, `cancel`, `all_tasks` and `run_in_executor` — on every core.
//! Per-core worker threads steal tasks from each other; a separate pool runs
//! blocking or CPU-heavy closures and hands each result back to the awaiting
//! task. The concurrency protocols underneath are model-checked with loom.
//!
//! ```
//! use std::time::Duration;
//! use runtime::{task, time};
//!
//! #[runtime::main(worker_threads = 2)]
//! async fn main() -> Result<(), task::JoinError> {
//!     let fetches = (1..=3u64).map(|i| async move {
//!         time::sleep(Duration::from_millis(10 * i)).await; // like asyncio.sleep
//!         i * 100
//!     });
//!     let pages = task::gather(fetches).await;              // like asyncio.gather
//!     let checksum = runtime::spawn_blocking(move || pages.iter().sum::<u64>()).await?;
//!     assert_eq!(checksum, 600);
//!     Ok(())
//! }
//! ```
//!
//! ## Modules
//!
//! * [`task`]: spawning, joining, cancelling; the combinators (`gather`,
//!   `try_gather`, `as_completed`, `wait`, `wait_for`, `JoinSet`,
//!   `TaskGroup`); `all_tasks`, `current`, `id`; `!Send` tasks
//!   ([`task::spawn_local`], [`task::LocalSet`]), task-local values
//!   ([`task_local!`]), blocking in place ([`task::block_in_place`](fn@task::block_in_place)).
//! * [`time`]: `sleep`, `timeout`, `interval`, the runtime's [`time::Instant`],
//!   paused time for tests.
//! * [`sync`]: channels and locks (asyncio's `Queue`, `Lock`, `Event`,
//!   `Semaphore`, `Condition`), tokio's.
//! * [`io`]: the async read/write traits and helpers, tokio's.
//! * [`net`]: TCP, UDP and Unix-domain sockets on the runtime's own reactor.
//! * [`fs`]: tokio's file system functions and [`fs::File`], on the
//!   blocking pool.
//! * [`signal`]: [`signal::ctrl_c`] and Unix signals
//!   ([`signal::unix::signal`]), all listeners woken, no delivery lost.
//! * [`process`]: child processes with std's [`process::Command`] builder,
//!   async `wait` and pipes; every child reaped.
//! * [`blocking`]: the blocking thread pool, usable from any executor.
//! * [`Runtime`], [`Builder`], [`Handle`], [`RuntimeMetrics`] (also under
//!   [`runtime`](mod@runtime), tokio's path): running and watching a
//!   runtime; [`Runtime::run_forever`] until [`Handle::stop`] or Ctrl-C.
//! * [`select!`], [`join!`], [`try_join!`], [`pin!`]: tokio's macros.
//! * `hyper` (feature `hyper`): hyper's executor, timer and io traits on
//!   this runtime, a connector for hyper-util's pooled client, and
//!   `serve` for an axum `Router`, a tonic server or any tower service;
//!   `tower` (feature `tower`): tower's timeout and rate limit on this
//!   runtime's clock; `Builder::tokio_bridge` (feature `tokio-bridge`): a
//!   tokio runtime's context on this runtime's threads, for reqwest, sqlx
//!   and tonic's `Channel`. The README's "Using the ecosystem" says which
//!   crate needs which.
//!
//! ## Seeing inside
//!
//! * [`Handle::dump`] prints every live task, and what each idle task waits
//!   on (a timer, a socket's readiness with its addresses, another task, a
//!   blocking job, a signal, a child, a file operation) or how long ago a
//!   scheduled one was woken; [`task::all_tasks`] gives the same as
//!   [`task::TaskInfo`]s ([`waiting_on`](task::TaskInfo::waiting_on),
//!   [`since_woken`](task::TaskInfo::since_woken)).
//! * Task hooks, stable: [`Builder::on_task_spawn`],
//!   [`Builder::on_task_terminate`], [`Builder::on_before_task_poll`],
//!   [`Builder::on_after_task_poll`], each given a [`TaskMeta`] (id, name,
//!   spawn location).
//! * [`RuntimeMetrics`], with a schedule-latency histogram
//!   ([`Builder::enable_metrics_schedule_latency_histogram`]); slow-poll
//!   reports ([`Builder::slow_poll_threshold`]).
//! * tokio-console: the `console` feature (off by default) emits the
//!   `tracing` spans and events console-subscriber reads; the README's
//!   "Seeing inside" says how to run it.
//!
//! Whatever the flavor, a panic in a task comes back through its
//! `JoinHandle` (a detached task's panic is reported), and dropping the
//! runtime cancels every task, dropping each future exactly once (and
//! reports the ones that were still pending).
//!
//! ## asyncio → runtime
//!
//! | asyncio | runtime |
//! | --- | --- |
//! | `asyncio.run(main())`, `loop.run_until_complete` | [`#[runtime::main]`](main), [`Runtime::block_on`] — which do not wait for the tasks `main` spawned: [see below](#block_on-is-not-run_until_complete) |
//! | one thread, tasks run in the order they become ready | [`#[runtime::main(flavor = "current_thread")]`](main) or [`Builder::new_current_thread`]: the same deterministic one-thread ordering |
//! | `asyncio.create_task`, `ensure_future` | [`spawn`], [`task::Builder::new().name(..).spawn`](task::Builder) |
//! | `Task.cancel()`, `Task.done()`, `Task.get_name()` | [`JoinHandle::abort`](task::JoinHandle::abort), [`JoinHandle::is_finished`](task::JoinHandle::is_finished), [`JoinHandle::name`](task::JoinHandle::name) |
//! | `await task` (raises `CancelledError`) | `handle.await` → `Err(JoinError)` with [`is_cancelled()`](task::JoinError::is_cancelled) |
//! | `asyncio.sleep(d)`, `asyncio.sleep(0)` | [`time::sleep`], [`task::yield_now`] |
//! | `asyncio.wait_for(aw, t)` | [`time::timeout`]; [`task::wait_for`](fn@task::wait_for) also aborts the task |
//! | `asyncio.gather(*aws)` / `return_exceptions=True` | [`task::try_gather`] / [`task::gather`](fn@task::gather) |
//! | `asyncio.as_completed(aws)` | [`task::as_completed`](fn@task::as_completed) (yields `(index, output)`; lazy; `.limit(n)`) |
//! | `asyncio.wait(aws, timeout, return_when)` | [`task::wait`](fn@task::wait) with [`task::ReturnWhen`] |
//! | `asyncio.TaskGroup` (3.11) | [`task::TaskGroup`]: results in spawn order, the first failure cancels the rest; [`task::JoinSet`] to take results as they come |
//! | children cancelled with the `gather` / `wait_for` awaiting them | [`JoinHandle::abort_on_drop`](task::JoinHandle::abort_on_drop) (a dropped plain `JoinHandle` detaches, as in tokio) |
//! | `asyncio.all_tasks()`, `asyncio.current_task()` | [`task::all_tasks`] → `Vec<`[`task::TaskInfo`]`>` (each with an [`abort_handle`](task::TaskInfo::abort_handle)), [`task::current`] |
//! | `loop.run_in_executor(None, f)` | [`spawn_blocking`] |
//! | `loop.run_in_executor(ThreadPoolExecutor(n), f)` | [`run_in_executor`] with a [`blocking::BlockingPool`] |
//! | debug mode "Executing &lt;Task&gt; took 1.2 seconds" | slow-poll reports ([`Builder::slow_poll_threshold`]) |
//! | "Task exception was never retrieved", "Task was destroyed but it is pending!" | the same reports, with the task's name and spawn location |
//! | `asyncio.Queue`, `Lock`, `Event`, `Semaphore`, `Condition` | [`sync::mpsc`], [`sync::Mutex`], a [`sync::watch`] channel or [`sync::Notify`], [`sync::Semaphore`], [`sync::Notify`] with a `Mutex` ([`sync`] shows each) |
//! | `asyncio.to_thread(...)` file I/O, `aiofiles` | [`fs`] ([`fs::read`], [`fs::write()`], [`fs::File`], ...: on the blocking pool) |
//! | streams: `asyncio.open_connection`, `asyncio.start_server` | [`net::TcpStream::connect`], [`net::TcpListener::bind`] and an `accept` loop that spawns a task per connection |
//! | `reader.readline()`, `reader.readexactly(n)`, `writer.write` + `drain` | [`io::BufReader`] with [`io::AsyncBufReadExt::read_line`], [`io::AsyncReadExt::read_exact`], [`io::AsyncWriteExt::write_all`] |
//! | `open_unix_connection`, `create_datagram_endpoint` | [`net::UnixStream`] / [`net::UnixListener`], [`net::UdpSocket`] |
//! | `loop.run_forever()`, stopped by `KeyboardInterrupt` (Ctrl-C) | [`Runtime::run_forever`] → [`RunForever::CtrlC`] |
//! | `loop.stop()` | [`Handle::stop`] → [`RunForever::Stopped`] |
//! | `loop.add_signal_handler(sig, cb)` | a task looping on [`signal::unix::signal`]`(..)?.`[`recv()`](signal::unix::Signal::recv) |
//! | `await` Ctrl-C in async code | [`signal::ctrl_c`] |
//! | `asyncio.create_subprocess_exec(prog, *args)` | [`process::Command::new(prog).args(args).spawn()`](process::Command) |
//! | `asyncio.create_subprocess_shell(cmd)` | `process::Command::new("sh").arg("-c").arg(cmd)` |
//! | `proc.wait()`, `proc.communicate()`, `proc.kill()` | [`Child::wait`](process::Child::wait), [`Child::wait_with_output`](process::Child::wait_with_output) / [`Command::output`](process::Command::output), [`Child::kill`](process::Child::kill) |
//! | `contextvars.ContextVar` | [`task_local!`] ([`task::LocalKey::scope`], [`get`](task::LocalKey::get)) |
//!
//! Reports (slow polls, lost panics, tasks pending at shutdown) go through
//! the [`tracing`](https://docs.rs/tracing) crate; a program that installed
//! no subscriber gets them on stderr, one line each (`runtime WARN: ...`),
//! as Python's logging prints warnings when nothing is configured.
//!
//! ### `block_on` is not `run_until_complete`
//!
//! [`Runtime::block_on`] (and so `#[runtime::main]`) returns as soon as its
//! future is done; it does not wait for the tasks that future spawned. In
//! asyncio, a `main` that creates tasks and returns still lets them start:
//! the loop runs the callbacks already ready before it stops, so in the
//! tutorials' example all five tasks print before "Completed All Tasks".
//! Here `block_on` returns at once, and how many of the tasks have started
//! by then is up to the workers. Wait for what you spawned by joining it:
//!
//! ```
//! use runtime::task::TaskGroup;
//!
//! #[runtime::main]
//! async fn main() {
//!     let mut group = TaskGroup::new(); // or a JoinSet, or keep the handles
//!     for i in 0..5 {
//!         group.spawn(async move { println!("task {i}") });
//!     }
//!     group.join().await.unwrap();
//!     println!("Completed All Tasks");
//! }
//! ```
//!
//! ### Where this differs from asyncio (and tokio) on purpose
//!
//! * [`task::wait_for`](fn@task::wait_for) **aborts** the task on timeout
//!   and waits for the cancellation to land (tokio's `timeout` on a
//!   `JoinHandle` silently detaches it). [`time::timeout`] drops its future,
//!   as in tokio.
//! * Dropping a [`JoinHandle`](task::JoinHandle) detaches the task (as in
//!   tokio), so a cancelled task or combinator does not cancel the tasks
//!   whose handles it held; [`abort_on_drop`](task::JoinHandle::abort_on_drop),
//!   a [`TaskGroup`](task::TaskGroup) or a [`JoinSet`](task::JoinSet) abort
//!   theirs when dropped, and a cancelled `TaskGroup` leaves nothing in
//!   [`task::all_tasks`].
//! * A panic in a detached task is reported at ERROR with the task's name
//!   and spawn location, and counted (asyncio's "Task exception was never
//!   retrieved"; tokio swallows it).
//! * Dropping a runtime with tasks still pending reports them (asyncio's
//!   "Task was destroyed but it is pending!");
//!   [`Runtime::shutdown_timeout`] cancels them on purpose and stays quiet.
//! * Dropping a runtime from inside async code does not panic: it cancels
//!   everything without waiting for the threads.
//! * [`task::wait`](fn@task::wait) with [`ReturnWhen::FirstException`](task::ReturnWhen::FirstException)
//!   also returns on a cancelled task (any `Err(JoinError)`), where asyncio
//!   ignores cancellations.
//!
//! Not provided: a process pool (`ProcessPoolExecutor`). Python needs one
//! because its GIL lets only one thread run Python code at a time; Rust
//! threads run in parallel, so CPU-bound work goes to a thread pool sized to
//! the cores:
//!
//! ```
//! use runtime::blocking::BlockingPool;
//!
//! let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
//! let cpu = BlockingPool::new(cores); // ProcessPoolExecutor(max_workers=cores)
//! let rt = runtime::Runtime::new().unwrap();
//! let sums = rt.block_on(async {
//!     let jobs = (0..4u64).map(|i| runtime::run_in_executor(&cpu, move || (0..i * 1_000_000).sum::<u64>()));
//!     runtime::task::try_gather(jobs).await
//! });
//! assert_eq!(sums.unwrap().len(), 4);
//! ```
//!
//! ## tokio's vocabulary: `sync`, `io`, `select!`
//!
//! A program written for tokio talks in channels, locks, io traits and
//! `select!`; change `tokio::` to `runtime::` and those keep working.
//! [`sync`], [`io`] and [`select!`], [`join!`], [`try_join!`], [`pin!`] are
//! tokio's own, re-exported: tokio ships them independent of its runtime,
//! checked with loom and fast, and `runtime` does not write a fourth copy of
//! each. Only those parts of tokio are built (`default-features = false`,
//! features `sync`, `io-util`, `macros`): tokio's scheduler, reactor and
//! timer are never compiled in, and CI fails if its `rt` feature ever enters
//! the dependency graph. Their item pages are tokio's; the [`sync`] and
//! [`io`] pages here say what each is for, and what tokio's note on
//! cooperative scheduling means on this runtime.
//!
//! ```
//! use runtime::sync::mpsc;
//! use std::time::Duration;
//!
//! #[runtime::main(worker_threads = 2)]
//! async fn main() {
//!     let (tx, mut rx) = mpsc::channel(8); // asyncio.Queue(maxsize=8)
//!     runtime::spawn(async move {
//!         for i in 0..3 {
//!             tx.send(i).await.unwrap();
//!         }
//!     });
//!     loop {
//!         runtime::select! {
//!             msg = rx.recv() => match msg {
//!                 Some(i) => println!("got {i}"),
//!                 None => break, // every sender is gone
//!             },
//!             _ = runtime::time::sleep(Duration::from_secs(1)) => println!("idle"),
//!         }
//!     }
//! }
//! ```
//!
//! ## Moving from tokio
//!
//! This is a tokio program with `tokio::` replaced by `runtime::` — nothing
//! else changed: a producer does CPU-heavy work in place with
//! [`block_in_place`](fn@task::block_in_place) while its worker's other
//! tasks move to another thread, and a `!Send` consumer (it keeps an `Rc`)
//! runs on this thread in a [`LocalSet`](task::LocalSet), waiting on the
//! channel with `select!` and a timeout.
//!
//! ```
//! use runtime::sync::mpsc;
//! use runtime::task::{self, LocalSet};
//! use std::cell::Cell;
//! use std::rc::Rc;
//! use std::time::Duration;
//!
//! #[runtime::main(flavor = "multi_thread", worker_threads = 2)]
//! async fn main() {
//!     let (tx, mut rx) = mpsc::channel::<u64>(16);
//!     let producer = runtime::spawn(async move {
//!         for n in 1..=10 {
//!             // Blocking or CPU-heavy code, run on this worker's thread.
//!             let square = task::block_in_place(|| (0..n).map(|_| n).sum::<u64>());
//!             tx.send(square).await.unwrap();
//!         }
//!     });
//!
//!     let local = LocalSet::new();
//!     let total = local
//!         .run_until(async move {
//!             let total = Rc::new(Cell::new(0)); // not Send: a local task's
//!             let sum = total.clone();
//!             let consumer = task::spawn_local(async move {
//!                 loop {
//!                     runtime::select! {
//!                         msg = rx.recv() => match msg {
//!                             Some(v) => sum.set(sum.get() + v),
//!                             None => break,
//!                         },
//!                         _ = runtime::time::sleep(Duration::from_secs(10)) => {
//!                             panic!("no message for 10 s")
//!                         }
//!                     }
//!                 }
//!             });
//!             consumer.await.unwrap();
//!             total.get()
//!         })
//!         .await;
//!     producer.await.unwrap();
//!     assert_eq!(total, 385);
//! }
//! ```
//!
//! What else a ported program finds, with tokio's names and behaviour:
//! [`task_local!`] (`scope`, `sync_scope`, `with`, `try_with`, `get`),
//! `JoinSet::{spawn_local, join_all, try_join_next, shutdown, detach_all}`
//! and `collect()` into a `JoinSet`, [`Handle::block_on`], [`Handle::id`],
//! [`Runtime::shutdown_background`], `Interval::reset*`,
//! `Builder::{global_queue_interval, disable_lifo_slot}`, and the metrics
//! `worker_total_busy_duration`, `worker_park_unpark_count` and
//! `global_queue_depth`. `tokio::runtime::Builder` and friends are
//! `runtime::runtime::Builder` (and `runtime::Builder`). Where it differs:
//!
//! * [`task::spawn_local`] also works without a `LocalSet` on a
//!   current-thread runtime's `block_on` thread (each `block_on` runs a set
//!   of its own; its local tasks are cancelled when it returns).
//! * [`Handle::block_on`] on a current-thread runtime drives its tasks,
//!   timers and I/O like [`Runtime::block_on`] (tokio's does not).
//! * [`Builder::enable_all`], `enable_io` and `enable_time` do nothing:
//!   timers and I/O are always on. [`Builder::name`] (not in tokio) names a
//!   runtime: its threads and [`Handle::name`].
//! * The cooperative budget covers this runtime's own futures, not tokio's
//!   channels: see [`sync`].

pub use runtime_core::task_local;
pub use runtime_core::{
    run_in_executor, spawn, spawn_blocking, Builder, EnterGuard, Handle, RunForever, Runtime,
    RuntimeMetrics, TaskMeta, TryCurrentError,
};
// The modules' docs are written in runtime-core and shown here.
#[doc(inline)]
pub use runtime_core::{blocking, fs, net, process, runtime, signal, task, time};

// `sync` and `io` are tokio's items: inlining runtime-core's modules would
// copy tokio's item pages under ours, so these two are declared here, with
// runtime-core's module docs and a re-export that links to tokio's pages.
pub mod sync {
    #![doc = include_str!("../runtime-core/src/docs/sync.md")]
    #[doc(no_inline)]
    pub use tokio::sync::*;
}

pub mod io {
    #![doc = include_str!("../runtime-core/src/docs/io.md")]
    #[doc(inline)]
    pub use runtime_core::io::{Interest, Ready};
    #[doc(no_inline)]
    pub use tokio::io::*;
}
pub use runtime_macros::{main, test};
#[doc(no_inline)]
pub use tokio::{join, pin, select, try_join};

#[cfg(feature = "hyper")]
#[doc(inline)]
pub use runtime_core::hyper;

#[cfg(feature = "tower")]
#[doc(inline)]
pub use runtime_core::tower;

/// `#[runtime::main(tokio_bridge)]` / `#[runtime::test(tokio_bridge)]`:
/// turns the bridge on, or says which feature it needs.
#[cfg(feature = "tokio-bridge")]
#[doc(hidden)]
#[macro_export]
macro_rules! __tokio_bridge {
    ($builder:expr) => {
        $builder.tokio_bridge()
    };
}

/// `#[runtime::main(tokio_bridge)]` / `#[runtime::test(tokio_bridge)]`:
/// turns the bridge on, or says which feature it needs.
#[cfg(not(feature = "tokio-bridge"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __tokio_bridge {
    ($builder:expr) => {
        ::core::compile_error!(
            "`tokio_bridge` needs runtime's `tokio-bridge` feature: in Cargo.toml, \
             runtime = { version = \"...\", features = [\"tokio-bridge\"] }"
        )
    };
}

/// The README's examples, compiled and run as doctests so they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
