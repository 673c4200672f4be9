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
//! use runtime::sync::mpsc;
//!
//! let rt = runtime::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let (tx, mut rx) = mpsc::channel(16); // asyncio.Queue(maxsize=16)
//!     let producer = runtime::spawn(async move {
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
//!
//! # A loop on an always-ready channel does not yield by itself
//!
//! Under tokio's own runtime these channels charge tokio's cooperative
//! budget, so a task that keeps finding messages is made to yield now and
//! then. Without tokio's runtime that budget does not exist, and this
//! runtime's budget covers only its own futures (join handles, timers,
//! blocking jobs). A task whose receiver is always ready — its producers
//! keep up — therefore runs its loop without ever returning to the
//! scheduler, and the tasks queued behind it on the same worker wait (on the
//! current-thread flavor: every other task). Give the loop a yield point:
//! [`task::consume_budget`](crate::task::consume_budget) charges one unit of
//! this runtime's budget and yields once every 128 calls (like tokio's),
//! and [`task::yield_now`](crate::task::yield_now) yields every time.
//!
//! ```
//! use runtime::{sync::mpsc, task};
//!
//! async fn drain(mut rx: mpsc::UnboundedReceiver<u64>) -> u64 {
//!     let mut sum = 0;
//!     while let Some(n) = rx.recv().await {
//!         sum += n;
//!         task::consume_budget().await; // lets the neighbours run now and then
//!     }
//!     sum
//! }
//! # let rt = runtime::Builder::new_current_thread().build().unwrap();
//! # let (tx, rx) = mpsc::unbounded_channel();
//! # for i in 0..1000 { tx.send(i).unwrap(); }
//! # drop(tx);
//! # assert_eq!(rt.block_on(drain(rx)), 499_500);
//! ```

#[doc(no_inline)]
pub use tokio::sync::*;
