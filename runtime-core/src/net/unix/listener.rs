//! [`UnixListener`]: accepting Unix-domain stream connections.

use super::{SocketAddr, UnixStream};
use crate::io::Interest;
use crate::net::ops;
use crate::reactor::{Direction, PollEvented};
use std::io;
use std::path::Path;
use std::task::{Context, Poll};

/// A Unix-domain socket listening for connections: tokio's `UnixListener`.
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
/// use runtime::net::{UnixListener, UnixStream};
///
/// let path = std::env::temp_dir().join(format!("runtime-doc-{}.sock", std::process::id()));
/// let rt = runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let listener = UnixListener::bind(&path)?;
///     let mut client = UnixStream::connect(&path).await?;
///     let (mut server, _) = listener.accept().await?;
///     client.write_all(b"hi").await?;
///     let mut buf = [0; 2];
///     server.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     std::fs::remove_file(&path)
/// })
/// .unwrap();
/// ```
///
/// Binding creates the socket file; dropping the listener does not remove
/// it. Errors such as `EMFILE` from `accept` are handled as for
/// [`TcpListener`](crate::net::TcpListener).
#[derive(Debug)]
pub struct UnixListener {
    io: PollEvented<std::os::unix::net::UnixListener>,
}

impl UnixListener {
    /// Creates the socket file at `path` and listens on it.
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        UnixListener::from_std(std::os::unix::net::UnixListener::bind(path)?)
    }

    /// Wraps a listening std socket (made non-blocking here). Made outside
    /// a runtime, it binds to the runtime it is first used in.
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        let io = PollEvented::new(ops::nonblocking(listener)?, Interest::READABLE)?;
        Ok(UnixListener { io })
    }

    /// Unwraps the std listener, deregistered from the reactor (still
    /// non-blocking).
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        self.io.into_inner()
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Takes the pending error of the socket (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Waits for a connection and accepts it.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) = self.io.async_io(Interest::READABLE, |l| l.accept()).await?;
        Ok((UnixStream::from_std(stream)?, addr))
    }

    /// Polls for [`accept`](Self::accept). Only the last task to poll is
    /// woken.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (stream, addr) =
            std::task::ready!(self.io.poll_io(cx, Direction::Read, |l| l.accept()))?;
        Poll::Ready(Ok((UnixStream::from_std(stream)?, addr)))
    }
}

impl TryFrom<std::os::unix::net::UnixListener> for UnixListener {
    type Error = io::Error;

    /// [`UnixListener::from_std`].
    fn try_from(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        UnixListener::from_std(listener)
    }
}

ops::impl_fd!(UnixListener);
