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
//! asyncio's streams map onto these: `open_connection` is
//! [`TcpStream::connect`], `start_server` is [`TcpListener::bind`] and a loop
//! that accepts and spawns a task per connection, `reader.readline()` is
//! [`io::BufReader`](crate::io::BufReader) with `read_line`,
//! `writer.write` + `drain` is `write_all`; `open_unix_connection` is
//! [`UnixStream::connect`] and `create_datagram_endpoint` a [`UdpSocket`].
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

mod addr;
pub(crate) mod ops;
mod split;
pub mod tcp;
mod udp;
pub mod unix;

pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::{TcpListener, TcpSocket, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixStream};
