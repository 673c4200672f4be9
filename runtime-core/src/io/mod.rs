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

pub use tokio::io::*;

mod ready;

pub use ready::{Interest, Ready};
