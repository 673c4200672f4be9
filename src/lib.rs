//! # runtime
//!
//! A multi-threaded, work-stealing async runtime for Rust with a blocking-pool
//! bridge — Python asyncio's tasks, `gather`, `wait`, `cancel` and
//! `run_in_executor`, on every core.
//!
//! ```ignore
//! #[runtime::main(worker_threads = 2)]
//! async fn main() {
//!     let handles: Vec<_> = (0..3)
//!         .map(|i| runtime::spawn(async move { i * 10 }))
//!         .collect();
//!     for (i, h) in handles.into_iter().enumerate() {
//!         assert_eq!(h.await.unwrap(), i * 10);
//!     }
//! }
//! ```ignore
//!
//! | asyncio | runtime |
//! | --- | --- |
//! | `asyncio.run(main())`, `loop.run_until_complete` | [`#[runtime::main]`](main), [`Runtime::block_on`] |
//! | `asyncio.create_task`, `ensure_future` | [`spawn`], [`task::Builder`] |
//! | `Task.cancel()`, `Task.done()` | [`JoinHandle::abort`](task::JoinHandle::abort), [`JoinHandle::is_finished`](task::JoinHandle::is_finished) |
//! | `await task` (raises `CancelledError`) | `handle.await` → `Err(JoinError)` with [`is_cancelled()`](task::JoinError::is_cancelled) |
//! | `asyncio.sleep(0)` | [`task::yield_now`] |
#![warn(missing_docs)]

pub use runtime_core::{
    blocking, run_in_executor, spawn, spawn_blocking, Builder, EnterGuard, Handle, Runtime,
    RuntimeMetrics, TryCurrentError,
};
pub use runtime_macros::{main, test};

/// Tasks: spawning, joining, cancelling, yielding.
pub mod task {
    pub use runtime_core::task::*;
}

/// Time: `sleep`, `timeout`, `interval`, the runtime's clock, paused time.
pub mod time {
    pub use runtime_core::time::*;
}
