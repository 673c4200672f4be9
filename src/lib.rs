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
//! ## asyncio → runtime
//!
//! | asyncio | runtime |
//! | --- | --- |
//! | `asyncio.run(main())`, `loop.run_until_complete` | [`#[runtime::main]`](main), [`Runtime::block_on`] |
//! | one thread, tasks run in the order they become ready | [`#[runtime::main(flavor = "current_thread")]`](main) or [`Builder::new_current_thread`]: the same deterministic one-thread ordering |
//! | `asyncio.create_task`, `ensure_future` | [`spawn`], [`task::Builder::new().name(..).spawn`](task::Builder) |
//! | `Task.cancel()`, `Task.done()`, `Task.get_name()` | [`JoinHandle::abort`](task::JoinHandle::abort), [`JoinHandle::is_finished`](task::JoinHandle::is_finished), [`JoinHandle::name`](task::JoinHandle::name) |
//! | `await task` (raises `CancelledError`) | `handle.await` → `Err(JoinError)` with [`is_cancelled()`](task::JoinError::is_cancelled) |
//! | `asyncio.sleep(d)`, `asyncio.sleep(0)` | [`time::sleep`], [`task::yield_now`] |
//! | `asyncio.wait_for(aw, t)` | [`time::timeout`]; [`task::wait_for`] also aborts the task |
//! | `asyncio.gather(*aws)` / `return_exceptions=True` | [`task::try_gather`] / [`task::gather`] |
//! | `asyncio.as_completed(aws)` | [`task::as_completed`] (yields `(index, output)`; lazy; `.limit(n)`) |
//! | `asyncio.wait(aws, timeout, return_when)` | [`task::wait`] with [`task::ReturnWhen`] |
//! | `asyncio.TaskGroup` (3.11) | [`task::TaskGroup`]: results in spawn order, the first failure cancels the rest; [`task::JoinSet`] to take results as they come |
//! | children cancelled with the `gather` / `wait_for` awaiting them | [`JoinHandle::abort_on_drop`](task::JoinHandle::abort_on_drop) (a dropped plain `JoinHandle` detaches, as in tokio) |
//! | `asyncio.all_tasks()`, `asyncio.current_task()` | [`task::all_tasks`] → `Vec<`[`task::TaskInfo`]`>` (each with an [`abort_handle`](task::TaskInfo::abort_handle)), [`task::current`] |
//! | `loop.run_in_executor(None, f)` | [`spawn_blocking`] |
//! | `loop.run_in_executor(ThreadPoolExecutor(n), f)` | [`run_in_executor`] with a [`blocking::BlockingPool`] |
//! | debug mode "Executing &lt;Task&gt; took 1.2 seconds" | slow-poll reports ([`Builder::slow_poll_threshold`]) |
//! | "Task exception was never retrieved", "Task was destroyed but it is pending!" | the same reports, with the task's name and spawn location |
//! | `asyncio.Queue` | [`sync::mpsc`] |
//! | `asyncio.Lock` | [`sync::Mutex`] |
//! | `asyncio.Event` | [`sync::Notify`], or a [`sync::watch`] channel |
//! | `asyncio.Semaphore` | [`sync::Semaphore`] |
//! | `asyncio.Condition` | [`sync::Notify`] (with a [`sync::Mutex`] for the state) |
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
//! the dependency graph.
//!
//! One thing tokio's runtime gives these types is missing without it: its
//! cooperative budget. This runtime's budget covers its own futures (join
//! handles, timers, blocking jobs), not tokio's channels, so a task looping
//! on a receiver that is always ready never yields by itself, and the tasks
//! queued behind it wait. Put [`task::consume_budget`] (yields once its
//! budget of 128 is spent) or [`task::yield_now`] in such a loop; see
//! [`sync`] for an example.
//!
//! ## Modules
//!
//! * [`task`]: spawning, joining, cancelling; the combinators (`gather`,
//!   `try_gather`, `as_completed`, `wait`, `wait_for`, `JoinSet`,
//!   `TaskGroup`); `all_tasks`, `current`, `id`; `!Send` tasks
//!   ([`task::spawn_local`], [`task::LocalSet`]), task-local values
//!   ([`task_local!`]), blocking in place ([`task::block_in_place`]).
//! * [`time`]: `sleep`, `timeout`, `interval`, the runtime's [`time::Instant`],
//!   paused time for tests.
//! * [`blocking`]: the blocking thread pool, usable from any executor.
//! * [`sync`], [`io`], [`select!`], [`join!`], [`try_join!`], [`pin!`]:
//!   tokio's channels, locks, io traits and utilities, and macros.
//! * [`fs`]: tokio's file system functions and [`fs::File`], on the
//!   blocking pool.
//! * [`net`]: TCP, UDP and Unix-domain sockets on the runtime's own reactor.
//! * [`signal`]: [`signal::ctrl_c`] and Unix signals
//!   ([`signal::unix::signal`]), all listeners woken, no delivery lost.
//! * [`process`]: child processes with std's [`process::Command`] builder,
//!   async `wait` and pipes; every child reaped.
//! * [`Runtime`], [`Builder`], [`Handle`], [`RuntimeMetrics`]: running and
//!   watching a runtime; [`Runtime::run_forever`] until [`Handle::stop`] or
//!   Ctrl-C.
//!
//! Whatever the flavor, a panic in a task comes back through its
//! `JoinHandle` (a detached task's panic is reported), and dropping the
//! runtime cancels every task, dropping each future exactly once (and
//! reports the ones that were still pending).
#![warn(missing_docs)]

pub use runtime_core::task_local;
pub use runtime_core::{
    blocking, run_in_executor, spawn, spawn_blocking, Builder, EnterGuard, Handle, RunForever,
    Runtime, RuntimeMetrics, TryCurrentError,
};
pub use runtime_core::{fs, io, process, signal, sync};
pub use runtime_core::{join, pin, select, try_join};
pub use runtime_macros::{main, test};

/// The runtime and its `Builder`, `Handle`, `RuntimeMetrics` and
/// [`Id`](runtime::Id), under tokio's path: ported code that says
/// `tokio::runtime::Builder` says `runtime::runtime::Builder`. The same
/// types are at the crate root.
pub mod runtime {
    pub use runtime_core::runtime::*;
}

/// Tasks: spawning, joining, cancelling, yielding, combining, listing.
pub mod task {
    pub use runtime_core::task::*;
}

/// Time: `sleep`, `timeout`, `interval`, the runtime's clock, paused time.
pub mod time {
    pub use runtime_core::time::*;
}

pub mod net {
    //! Networking: TCP, UDP and Unix-domain sockets on the runtime's own
    //! reactor, with tokio's names and signatures.
    //!
    //! | type | what for |
    //! | --- | --- |
    //! | [`TcpListener`] | `bind` (SO_REUSEADDR, backlog 1024), `accept` |
    //! | [`TcpStream`] | `connect`, read/write, `split`/`into_split`, `peek`, `set_nodelay`, `set_linger` |
    //! | [`TcpSocket`] | options before `bind`/`connect`/`listen` (`SO_REUSEPORT`, buffer sizes, ...) |
    //! | [`UdpSocket`] | `send_to`/`recv_from`, or `connect` then `send`/`recv`; broadcast, multicast |
    //! | [`UnixListener`], [`UnixStream`], [`UnixDatagram`] | the same on Unix-domain sockets (`pair()` too) |
    //! | [`lookup_host`], [`ToSocketAddrs`] | host names, resolved on the blocking pool |
    //!
    //! A server and a client that checks the echo:
    //!
    //! ```
    //! use runtime::io::{AsyncReadExt, AsyncWriteExt};
    //! use runtime::net::{TcpListener, TcpStream};
    //!
    //! #[runtime::main]
    //! async fn main() -> std::io::Result<()> {
    //!     let listener = TcpListener::bind("127.0.0.1:0").await?;
    //!     let addr = listener.local_addr()?;
    //!     runtime::spawn(async move {
    //!         loop {
    //!             let (mut socket, _) = listener.accept().await?;
    //!             runtime::spawn(async move {
    //!                 let (mut rd, mut wr) = socket.split();
    //!                 runtime::io::copy(&mut rd, &mut wr).await
    //!             });
    //!         }
    //!         #[allow(unreachable_code)]
    //!         Ok::<_, std::io::Error>(())
    //!     });
    //!
    //!     let mut client = TcpStream::connect(addr).await?;
    //!     client.write_all(b"hello, echo").await?;
    //!     let mut buf = [0; 11];
    //!     client.read_exact(&mut buf).await?;
    //!     assert_eq!(&buf, b"hello, echo");
    //!     Ok(())
    //! }
    //! ```
    //!
    //! # Waiting for readiness
    //!
    //! Each socket registers once, edge-triggered, with the I/O driver of the
    //! runtime it is made in; a worker with nothing to do sleeps in the OS
    //! poller and wakes the tasks whose sockets became ready. Besides the async
    //! methods (`accept`, `recv_from`, ...) and the io traits, every socket has
    //! `readable()`, `writable()` and `ready(Interest)` to wait on, and `try_`
    //! methods (`try_read`, `try_write`, `try_send_to`, ...) that act now or
    //! return `WouldBlock`. Each ready result charges the task's cooperative
    //! budget, so one busy connection cannot starve the other tasks of its
    //! worker.
    //!
    //! # The io traits
    //!
    //! Streams ([`TcpStream`], [`UnixStream`] and their split halves) implement
    //! both tokio's [`AsyncRead`](crate::io::AsyncRead)/[`AsyncWrite`](crate::io::AsyncWrite)
    //! (so hyper-util's `TokioIo`, tokio-util codecs, tokio-rustls work as
    //! written for tokio) and futures-io's (so `futures::io` and the smol
    //! ecosystem do). Vectored writes are one `sendmsg`; `shutdown` (tokio) and
    //! `close` (futures-io) shut the write half.
    //!
    //! # Runtimes, and when things go wrong
    //!
    //! * A socket made outside any runtime (`from_std` in plain `main`) binds
    //!   to the runtime it is first used in. Used after that runtime shut down,
    //!   every operation returns an `io::Error` saying so: never a hang, never a
    //!   panic.
    //! * `accept` under `EMFILE` (too many open files) returns the error; the
    //!   pending connection stays queued and a later `accept` takes it once
    //!   descriptors are free. Pause before retrying: the runtime does not spin.
    //! * A peer that reset the connection: `ConnectionReset`. Writing to a peer
    //!   that closed: `BrokenPipe` (never a `SIGPIPE`). A peer that shut its
    //!   write half: reads return EOF (`Ok(0)`), writes still work.
    //! * Dropping one half of a split stream leaves the other usable.

    pub use runtime_core::net::*;
}

/// The README's examples, compiled and run as doctests so they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
