//! The core of [`runtime`](https://docs.rs/runtime): a multi-threaded,
//! work-stealing async runtime with asyncio's task tools.
//!
//! Depend on the `runtime` facade crate, which re-exports all of this (and
//! adds `#[runtime::main]`); the user documentation of every module is
//! written here and shown there.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
#![warn(missing_debug_implementations)]

/// The contributor's map of the crate: `ARCHITECTURE.md` at the repository
/// root, included here so that rustdoc checks its links.
#[doc = include_str!("../../ARCHITECTURE.md")]
mod architecture {}
#[cfg(feature = "console")]
mod console;
mod contain;
mod context;
mod coop;
mod driver;
pub mod fs;
#[cfg(feature = "hyper")]
pub mod hyper;
pub mod io;
pub(crate) mod loom;
pub mod net;
pub mod process;
mod reactor;
pub mod runtime;
mod scheduler;
pub mod signal;
pub mod sync;
pub mod task;
#[cfg(all(test, loom))]
mod tests;
pub mod time;
#[cfg(feature = "tower")]
pub mod tower;

pub use runtime::{
    Builder, EnterGuard, Handle, RunForever, Runtime, RuntimeMetrics, TaskMeta, TryCurrentError,
};

// tokio's macros, re-exported: none needs tokio's runtime (`select!`'s
// random branch order comes from a thread-local generator that tokio's
// `macros` feature carries), so they work on both flavors as written for
// tokio. Their pages are tokio's (its examples say `tokio::`), linked, not
// copied: the facade's crate docs introduce them.
#[doc(no_inline)]
pub use tokio::{join, pin, select, try_join};

use std::future::Future;
use std::panic::Location;
use task::JoinHandle;

/// Spawns a task on the current runtime: asyncio's `create_task`.
///
/// The task starts running right away on some worker, whether or not the
/// returned [`JoinHandle`] is awaited; dropping the handle detaches it.
///
/// # Panics
/// Outside a runtime, with a message saying how to get into one
/// (`Runtime::block_on`, `#[runtime::main]`, or a `Handle`).
///
/// ```
/// let rt = runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let a = runtime::spawn(async { 1 });
///     let b = runtime::spawn(async { 2 });
///     assert_eq!(a.await.unwrap() + b.await.unwrap(), 3);
/// });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let inner = context::current_or_panic(format_args!("`runtime::spawn` called"));
    let handle = Handle { inner };
    task::spawn_maybe_boxed!(future: F, handle.spawn_named(future, None, Location::caller()))
}

/// Runs a blocking or CPU-heavy closure on the current runtime's blocking
/// pool and returns a handle to await its result: asyncio's
/// `loop.run_in_executor(None, f)`.
///
/// The closure runs with the runtime current, as in tokio:
/// [`Handle::current`], [`spawn`], `spawn_blocking` and timers (in tasks it
/// spawns) work inside it, and it may still `block_on` another runtime.
///
/// The handle is the same [`JoinHandle`] as for async tasks (a panic comes
/// back as a `JoinError`). Aborting it stops a job that has not started yet;
/// a running closure cannot be interrupted — pass it a flag to check:
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
///
/// let rt = runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let n = runtime::spawn_blocking(|| (1..=10u64).product::<u64>());
///     assert_eq!(n.await.unwrap(), 3_628_800);
///
///     let stop = Arc::new(AtomicBool::new(false));
///     let flag = stop.clone();
///     let job = runtime::spawn_blocking(move || {
///         while !flag.load(Ordering::Relaxed) {
///             std::thread::sleep(std::time::Duration::from_millis(1));
///         }
///         "stopped"
///     });
///     stop.store(true, Ordering::Relaxed); // the cooperative way to cancel
///     assert_eq!(job.await.unwrap(), "stopped");
/// });
/// ```
///
/// # Panics
/// Outside a runtime (use [`Handle::spawn_blocking`] from elsewhere).
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let inner = context::current_or_panic(format_args!("`runtime::spawn_blocking` called"));
    Handle { inner }.spawn_blocking(f)
}

/// Runs a closure on a pool of your own: asyncio's
/// `loop.run_in_executor(ThreadPoolExecutor(n), f)`. Works from anywhere, not
/// only inside a runtime; called inside one, the closure runs with that
/// runtime current (`Handle::current`, `spawn` and timers work in it), as
/// with [`spawn_blocking`].
///
/// Give CPU-bound work a pool sized to the cores, so it cannot crowd out the
/// runtime's elastic pool of (mostly sleeping) blocking-I/O threads:
///
/// ```
/// use runtime::blocking::BlockingPool;
///
/// let cpu = BlockingPool::new(num_cpus());
/// # fn num_cpus() -> usize { 2 }
/// let rt = runtime::Runtime::new().unwrap();
/// let sum = rt.block_on(async {
///     let parts: Vec<_> = (0..4u64)
///         .map(|i| runtime::run_in_executor(&cpu, move || (i * 1000..(i + 1) * 1000).sum::<u64>()))
///         .collect();
///     let mut sum = 0;
///     for p in parts {
///         sum += p.await.unwrap();
///     }
///     sum
/// });
/// assert_eq!(sum, (0..4000u64).sum());
/// ```
pub fn run_in_executor<F, R>(pool: &blocking::BlockingPool, f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match context::current() {
        Some(handle) => JoinHandle::blocking(pool.spawn(scheduler::in_context(handle, f))),
        None => JoinHandle::blocking(pool.spawn(f)),
    }
}

/// The blocking thread pool: [`BlockingPool`](blocking::BlockingPool) for
/// [`run_in_executor`], re-exported from `runtime-blocking`.
pub mod blocking {
    pub use runtime_blocking::{
        BlockingAbortHandle, BlockingHandle, BlockingPool, Builder, QueueFull,
    };
}
