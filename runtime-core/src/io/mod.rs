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
//! use runtime_core::io::{self, AsyncReadExt, AsyncWriteExt};
//!
//! let rt = runtime_core::Runtime::new().unwrap();
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
// The runtime's own I/O (the reactor: driver, readiness slots) goes in files
// next to this one (`driver.rs`, ...), declared below this line.
// ---------------------------------------------------------------------------
