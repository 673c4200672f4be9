//! [`UnixStream`]: a Unix-domain stream connection on the runtime's
//! reactor.

use super::split::{self, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use super::SocketAddr;
use crate::io::Interest;
use crate::net::ops;
use crate::reactor::PollEvented;
use socket2::{Domain, SockAddr, Socket, Type};
use std::io;
use std::os::fd::OwnedFd;
use std::path::Path;

/// A Unix-domain stream connection: tokio's `UnixStream`. It reads and
/// writes like a [`TcpStream`](crate::net::TcpStream) (both trait
/// families, split halves, readiness and `try_` methods).
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
/// use runtime::net::UnixStream;
///
/// let rt = runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let (mut a, mut b) = UnixStream::pair()?;
///     a.write_all(b"ping").await?;
///     let mut buf = [0; 4];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     Ok::<_, std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
pub struct UnixStream {
    pub(crate) io: PollEvented<std::os::unix::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket at `path`, waiting (without blocking the
    /// thread) while the listener's backlog is full.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let addr = SockAddr::unix(path)?;
        let socket = Socket::new(Domain::UNIX, Type::STREAM.nonblocking(), None)?;
        match socket.connect(&addr) {
            Ok(()) => {}
            Err(e)
                if e.raw_os_error() == Some(libc::EINPROGRESS)
                    || e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        let stream = UnixStream::new(OwnedFd::from(socket).into())?;
        stream.io.readiness(Interest::WRITABLE).await?;
        match stream.take_error()? {
            Some(e) => Err(e),
            None => Ok(stream),
        }
    }

    fn new(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        let io = PollEvented::new(stream, Interest::READABLE | Interest::WRITABLE)?;
        Ok(UnixStream { io })
    }

    /// Two streams connected to each other.
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = std::os::unix::net::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    /// Wraps a connected std stream (made non-blocking here). Made outside
    /// a runtime, it binds to the runtime it is first used in.
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::new(ops::nonblocking(stream)?)
    }

    /// Unwraps the std stream, deregistered from the reactor (still
    /// non-blocking).
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
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

    ops::readiness_methods!();
    ops::try_read_write_methods!();

    /// Splits the stream into a read half and a write half that borrow it.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split::split(self)
    }

    /// Splits the stream into a read half and a write half that own it;
    /// [`OwnedReadHalf::reunite`] puts it back together. Dropping the write
    /// half shuts the write half of the connection.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split::split_owned(self)
    }
}

impl TryFrom<std::os::unix::net::UnixStream> for UnixStream {
    type Error = io::Error;

    /// [`UnixStream::from_std`].
    fn try_from(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::from_std(stream)
    }
}

ops::impl_fd!(UnixStream);
ops::impl_async_read!(UnixStream, |s| &s.io);
ops::impl_async_write!(UnixStream, |s| &s.io);
