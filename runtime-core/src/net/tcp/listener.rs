//! [`TcpListener`]: accepting TCP connections on the runtime's reactor.

use super::socket::as_inet;
use super::{TcpSocket, TcpStream};
use crate::io::Interest;
use crate::net::{addr, ops};
use crate::reactor::{Direction, PollEvented};
use socket2::SockRef;
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};

/// Connections not yet accepted that a listener made by
/// [`TcpListener::bind`] holds: tokio's (and most servers') number.
const BACKLOG: u32 = 1024;

/// A TCP socket listening for connections: tokio's `TcpListener`.
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
/// use runtime::net::{TcpListener, TcpStream};
///
/// let rt = runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let client = runtime::spawn(async move {
///         let mut s = TcpStream::connect(addr).await?;
///         s.write_all(b"hi").await
///     });
///     let (mut socket, peer) = listener.accept().await?;
///     assert!(peer.ip().is_loopback());
///     let mut buf = [0; 2];
///     socket.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     client.await.unwrap()
/// })
/// .unwrap();
/// ```
///
/// # When descriptors run out
///
/// `accept` returns errors such as `EMFILE` ("too many open files") to the
/// caller, and the listener stays ready: the connection waits in the
/// backlog, and a later `accept`, once descriptors are free, takes it. The
/// runtime does not retry by itself, so a server loop should pause before
/// calling `accept` again after such an error (as with tokio).
#[derive(Debug)]
pub struct TcpListener {
    io: PollEvented<std::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` and listens (`SO_REUSEADDR` set, a backlog of 1024).
    /// Each address `addr` resolves to is tried in turn; the first that
    /// binds is used, or the last error returned. Port 0 picks a free port
    /// ([`local_addr`](Self::local_addr) says which).
    pub async fn bind<A: addr::ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        addr::each_addr(addr, |a| async move {
            let socket = TcpSocket::new_for_addr(a)?;
            socket.set_reuseaddr(true)?;
            socket.bind(a)?;
            socket.listen(BACKLOG)
        })
        .await
    }

    pub(crate) fn new(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        let io = PollEvented::new(listener, Interest::READABLE)?;
        Ok(TcpListener { io })
    }

    /// Waits for a connection and accepts it.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self.io.async_io(Interest::READABLE, accept).await?;
        Ok((TcpStream::new(stream)?, addr))
    }

    /// Polls for [`accept`](Self::accept). Only the last task to poll is
    /// woken.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, addr) = std::task::ready!(self.io.poll_io(cx, Direction::Read, accept))?;
        Poll::Ready(Ok((TcpStream::new(stream)?, addr)))
    }

    /// Wraps a listening std socket (made non-blocking here). Made outside
    /// a runtime, it binds to the runtime it is first used in.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        TcpListener::new(ops::nonblocking(listener)?)
    }

    /// Unwraps the std listener, deregistered from the reactor (still
    /// non-blocking).
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        self.io.into_inner()
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets the IP time-to-live of packets from accepted connections.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live setting.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }
}

/// One `accept4`, the new socket non-blocking and close-on-exec from birth.
fn accept(listener: &std::net::TcpListener) -> io::Result<(std::net::TcpStream, SocketAddr)> {
    let (socket, addr) =
        SockRef::from(listener).accept4(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC)?;
    Ok((socket.into(), as_inet(addr)?))
}

impl TryFrom<std::net::TcpListener> for TcpListener {
    type Error = io::Error;

    /// [`TcpListener::from_std`].
    fn try_from(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        TcpListener::from_std(listener)
    }
}

ops::impl_fd!(TcpListener);
