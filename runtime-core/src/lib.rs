//! The scheduler core of [`runtime`](https://docs.rs/runtime): a multi-threaded,
//! work-stealing async runtime with asyncio's task tools.
//!
//! Most users want the `runtime` facade crate, which re-exports all of this.
//!
//! Data flow of a task: [`spawn`] allocates one task cell (`task/raw.rs`) and
//! queues it (`scheduler/`); a worker pops it, polls it under a cooperative
//! budget (`coop.rs`) and `catch_unwind`; a wake re-queues it; completion
//! stores the output and wakes the [`JoinHandle`](task::JoinHandle), which
//! hands it to the awaiting code.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs, missing_debug_implementations)]

mod context;
mod coop;
pub(crate) mod loom;
mod runtime;
mod scheduler;
pub mod task;
pub mod time;

pub use runtime::{Builder, EnterGuard, Handle, Runtime, RuntimeMetrics, TryCurrentError};

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
/// let rt = runtime_core::Runtime::new().unwrap();
/// rt.block_on(async {
///     let a = runtime_core::spawn(async { 1 });
///     let b = runtime_core::spawn(async { 2 });
///     assert_eq!(a.await.unwrap() + b.await.unwrap(), 3);
/// });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let Some(inner) = context::current() else {
        panic!(
            "`runtime::spawn` called outside a runtime: {}",
            TryCurrentError::message()
        );
    };
    Handle { inner }.spawn_named(future, None, Location::caller())
}
