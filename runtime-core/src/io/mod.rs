//! Asynchronous I/O: the traits and utilities async Rust is written in.
//!
//! [`AsyncRead`], [`AsyncWrite`], [`AsyncBufRead`], [`AsyncSeek`], their
//! extension traits ([`AsyncReadExt`], [`AsyncWriteExt`],
//! [`AsyncBufReadExt`], [`AsyncSeekExt`]), [`BufReader`], [`BufWriter`],
//! [`copy`], [`copy_bidirectional`], [`split`], [`duplex`], [`empty`],
//! [`sink`], [`ReadBuf`], ...: tokio's `io` module with its `io-util`
//! feature, re-exported. None of it needs tokio's runtime, so code written
//! against `tokio::io` works here by changing the path (see
//! [`sync`](crate::sync) for why these are re-exports).
//!
//! ```
//! use runtime::io::{self, AsyncReadExt, AsyncWriteExt};
//!
//! let rt = runtime::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let (mut client, mut server) = io::duplex(64);
//!     client.write_all(b"ping").await.unwrap();
//!     let mut buf = [0; 4];
//!     server.read_exact(&mut buf).await.unwrap();
//!     assert_eq!(&buf, b"ping");
//! });
//! ```

// ---------------------------------------------------------------------------
// The vocabulary: tokio's runtime-independent io traits and utilities.
// Reactor-free; nothing here knows about this runtime.
// ---------------------------------------------------------------------------

pub use tokio::io::*;

// ---------------------------------------------------------------------------
// The runtime's own I/O: the reactor.
//
// Data flow: a resource registers its descriptor once, edge-triggered
// (`registration.rs`, `driver.rs`) → the OS reports an event to the thread
// parked on the driver (`Driver::turn`) → the resource's readiness slot
// records it (`scheduled_io.rs`) → the waiting task is woken → it retries
// its non-blocking system call (`poll_evented.rs`).
// ---------------------------------------------------------------------------

// Parts of the reactor are used only by the socket, process and signal
// types, which build on `PollEvented`.
#[allow(dead_code)]
mod driver;
#[allow(dead_code)]
mod poll_evented;
#[allow(dead_code)]
mod ready;
#[allow(dead_code)]
mod registration;
#[allow(dead_code)]
mod scheduled_io;
mod sys;

#[cfg(all(test, loom))]
mod loom_io;
#[cfg(all(test, not(loom)))]
mod tests;

pub(crate) use driver::{Driver, Handle};
#[allow(unused_imports)]
pub(crate) use poll_evented::PollEvented;
pub use ready::{Interest, Ready};
#[allow(unused_imports)]
pub(crate) use scheduled_io::Direction;

use crate::loom::Arc;

/// The I/O driver of the runtime this thread runs in, if any.
#[allow(dead_code)]
pub(crate) fn current_handle() -> Option<Arc<Handle>> {
    crate::context::with_current(|h| h.map(|h| h.io().clone()))
}
