//! A blocking thread pool whose jobs complete as futures usable from any executor.
//!
//! Async code must not block its executor thread. Work that blocks (file and
//! DNS calls, synchronous database drivers, `std::process::Command::output`)
//! or computes for long goes to a [`BlockingPool`]; awaiting the returned
//! [`BlockingHandle`] gives its result, or its panic as a [`JoinError`]. This
//! is asyncio's `loop.run_in_executor`, with no GIL in the way.
//!
//! ```
//! use runtime_blocking::BlockingPool;
//!
//! let pool = BlockingPool::new(4);
//! let len = futures::executor::block_on(async {
//!     pool.spawn(|| std::fs::read_to_string("Cargo.toml").map(|s| s.len()))
//!         .await
//!         .expect("the job panicked or was cancelled")
//! });
//! assert!(len.unwrap() > 0);
//! ```
//!
//! * Threads start on demand up to [`Builder::max_threads`] and exit after
//!   [`Builder::keep_alive`] idle. Size a pool for CPU-bound work to the
//!   number of cores; blocking I/O is happy with the elastic default (512).
//! * Back-pressure is explicit: with [`Builder::queue_limit`],
//!   [`BlockingPool::try_spawn`] returns [`QueueFull`] (with the closure)
//!   instead of queueing without bound.
//! * Failure is explicit: if the OS refuses to start a thread, the job waits
//!   for an existing one, or, if there is none, its handle resolves to a
//!   cancellation that says why. Nothing here panics on the caller.
//! * [`BlockingHandle::abort`] stops a job that has not started; a running job
//!   cannot be interrupted (see its docs for the cancellation-flag pattern).
//! * [`BlockingPool::shutdown_timeout`] cancels queued jobs and waits, with a
//!   bound, for running ones.
//!
//! The crate is free of `unsafe`; its concurrency protocols are documented on
//! its private modules (the pool's and the completion's: `cargo doc
//! --document-private-items`) and model-checked with loom
//! (`RUSTFLAGS="--cfg loom" cargo test --release loom`).
#![forbid(unsafe_code)]

mod builder;
mod error;
mod handle;
#[doc(hidden)]
pub mod internal;
mod job;
#[doc(hidden)]
pub mod loom;
mod oneshot;
mod pool;
mod queue;
mod shared;
mod state;
mod worker;

#[cfg(all(test, loom))]
mod tests;

pub use builder::Builder;
pub use error::{Id, JoinError};
pub use handle::{BlockingAbortHandle, BlockingHandle, QueueFull};
pub use pool::BlockingPool;
