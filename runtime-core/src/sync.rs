//! Channels and locks for tasks: tokio's `sync` module, re-exported.
//!
//! These are the types async Rust is written in — [`mpsc`], [`oneshot`],
//! [`broadcast`], [`watch`], [`Mutex`], [`RwLock`], [`Semaphore`],
//! [`Notify`], [`Barrier`], [`OnceCell`] — and tokio ships them independent
//! of its runtime, checked with loom and fast. So this crate re-exports them
//! (tokio built with `default-features = false, features = ["sync"]`: no
//! scheduler, reactor or timer of tokio's is compiled in) rather than
//! writing a fourth copy. Code written against `tokio::sync` works here by
//! changing the path.
//!
//! | asyncio | here |
//! | --- | --- |
//! | `asyncio.Queue` | [`mpsc`] (bounded: `mpsc::channel(n)`; `unbounded_channel()`) |
//! | `asyncio.Lock` | [`Mutex`] (may be held across `.await`) |
//! | `asyncio.Event` | [`Notify`], or a [`watch`] channel of `bool` |
//! | `asyncio.Semaphore` | [`Semaphore`] |
//! | `asyncio.Condition` | [`Notify`] (with a [`Mutex`] for the shared state) |
//!
//! ```
//! use runtime_core::sync::mpsc;
//!
//! let rt = runtime_core::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let (tx, mut rx) = mpsc::channel(16); // asyncio.Queue(maxsize=16)
//!     let producer = runtime_core::spawn(async move {
//!         for i in 0..100 {
//!             tx.send(i).await.unwrap();
//!         }
//!     });
//!     let mut sum = 0;
//!     while let Some(i) = rx.recv().await {
//!         sum += i;
//!     }
//!     producer.await.unwrap();
//!     assert_eq!(sum, 4950);
//! });
//! ```

pub use tokio::sync::*;
