//! [`TcpStream`]: a TCP connection on the runtime's reactor.

use super::split::{self, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use super::TcpSocket;
use crate::io::{Interest, ReadBuf};
use crate::net::{addr, ops};
use crate::reactor::PollEvented;
use socket2::SockRef;
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};
use std::time::Duration;

/// A TCP connection: tokio's `TcpStream`, on this runtime's reactor.
///
/// Read and write it through tokio's [`AsyncRead`](crate::io::AsyncRead) /
/// [`AsyncWrite`](crate::io::AsyncWrite) (with
/// [`AsyncReadExt`](crate::io::AsyncReadExt) and
/// [`AsyncWriteExt`](crate::io::AsyncWriteExt): `read`, `write_all`,
/// `shutdown`, ...) or through futures-io's traits of the same names; or
/// wait with [`readable`](Self::readable)/[`writable`](Self::writable) and
/// call [`try_read`](Self::try_read)/[`try_write`](Self::try_write).
///
/// `shutdown` (tokio) and `close` (futures-io) shut the write half: the
/// peer reads EOF, and this side can still read. A peer that reset the
/// connection makes reads and writes fail with
/// [`ConnectionReset`](io::ErrorKind::ConnectionReset); writing after the
/// peer closed fails with [`BrokenPipe`](io::ErrorKind::BrokenPipe) (never
/// a `SIGPIPE`). Dropping the stream closes it.
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
/// use runtime::net::{TcpListener, TcpStream};
///
/// let rt = runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let server = runtime::spawn(async move {
///         let (mut socket, _) = listener.accept().await?;
///         let mut buf = Vec::new();
///         socket.read_to_end(&mut buf).await?; // until the client shuts down
///         socket.write_all(&buf).await
///     });
///     let mut stream = TcpStream::connect(addr).await?;
///     stream.write_all(b"hello").await?;
///     stream.shutdown().await?; // the write half: the server reads EOF
///     let mut echo = String::new();
///     stream.read_to_string(&mut echo).await?;
///     assert_eq!(echo, "hello");
///     server.await.unwrap()
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
pub struct TcpStream {
    pub(crate) io: PollEvented<std::net::TcpStream>,
}

impl TcpStream {
    /// Opens a connection to `addr`: each address it resolves to is tried
    /// in turn (host names are resolved on the runtime's blocking pool),
    /// and the first connection made is returned, or the last error.
    pub async fn connect<A: addr::ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        addr::each_addr(addr, |a| async move {
            TcpSocket::new_for_addr(a)?.connect(a).await
        })
        .await
    }

    /// A socket whose non-blocking `connect` is in progress: waits until
    /// it is writable (connected) or failed.
    pub(crate) async fn connecting(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        let stream = TcpStream::new(stream)?;
        stream.io.readiness(Interest::WRITABLE).await?;
        match stream.io.get_ref().take_error()? {
            Some(e) => Err(e),
            None => Ok(stream),
        }
    }

    pub(crate) fn new(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        let io = PollEvented::new(stream, Interest::READABLE | Interest::WRITABLE)?;
        Ok(TcpStream { io })
    }

    /// Wraps a connected std stream (made non-blocking here). Made outside
    /// a runtime, it binds to the runtime it is first used in.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        TcpStream::new(ops::nonblocking(stream)?)
    }

    /// Unwraps the std stream, deregistered from the reactor (still
    /// non-blocking: set it blocking to use it with std's blocking I/O).
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        self.io.into_inner()
    }

    /// The address of the local end.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The address of the remote end.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Takes the pending error of the socket (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Sets `TCP_NODELAY`: small writes go out at once instead of waiting
    /// to be coalesced (Nagle's algorithm).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets `SO_LINGER`. `Some(Duration::ZERO)` makes closing the stream
    /// reset the connection (the peer sees
    /// [`ConnectionReset`](io::ErrorKind::ConnectionReset)) instead of
    /// finishing it gracefully.
    pub fn set_linger(&self, dur: Option<Duration>) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_linger(dur)
    }

    /// The `SO_LINGER` setting.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        SockRef::from(self.io.get_ref()).linger()
    }

    /// Sets the IP time-to-live of outgoing packets.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live of outgoing packets.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    ops::readiness_methods!();
    ops::try_read_write_methods!();

    /// Reads without consuming: the next read returns the same bytes.
    /// Waits until there is something to read (or end of stream: `Ok(0)`).
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, |s| s.peek(buf)).await
    }

    /// Polls for [`peek`](Self::peek), peeking into `buf`'s unfilled part.
    /// Only the last task to poll is woken (one reader at a time).
    pub fn poll_peek(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, crate::reactor::Direction::Read, |s| {
            ops::peek_buf(s, buf)
        })
    }

    /// Splits the stream into a read half and a write half that borrow it,
    /// to read and write from two futures at once (say under `join!`).
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split::split(self)
    }

    /// Splits the stream into a read half and a write half that own it, to
    /// read and write from two tasks; [`OwnedReadHalf::reunite`] puts it
    /// back together. Dropping the write half shuts the write half of the
    /// connection.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split::split_owned(self)
    }
}

impl TryFrom<std::net::TcpStream> for TcpStream {
    type Error = io::Error;

    /// [`TcpStream::from_std`].
    fn try_from(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        TcpStream::from_std(stream)
    }
}

ops::impl_fd!(TcpStream);
ops::impl_async_read!(TcpStream, |s| &s.io);
ops::impl_async_write!(TcpStream, |s| &s.io);
