//! hyper's own io traits ([`rt::Read`](::hyper::rt::Read),
//! [`rt::Write`](::hyper::rt::Write)) and hyper-util's client
//! [`Connection`] on [`TcpStream`] and [`UnixStream`], so hyper takes the
//! streams as they are, with no `TokioIo` wrapper in between.
//!
//! The reads and writes are the same system calls as the streams' tokio
//! `AsyncRead`/`AsyncWrite` (`net::ops`): `recv` straight into hyper's
//! uninitialized buffer, `send`/`sendmsg` with `MSG_NOSIGNAL`, a short
//! transfer clearing the readiness it used.

use crate::net::ops::{self, Sock};
use crate::net::{TcpStream, UnixStream};
use crate::reactor::{Direction, PollEvented};
use ::hyper::rt::ReadBufCursor;
use hyper_util::client::legacy::connect::{Connected, Connection};
use socket2::SockRef;
use std::io;
use std::net::SocketAddr;
use std::task::{ready, Context, Poll};

/// `recv` into the unfilled part of hyper's buffer, which may be
/// uninitialized.
fn poll_read<E: Sock>(
    io: &PollEvented<E>,
    cx: &mut Context<'_>,
    mut buf: ReadBufCursor<'_>,
) -> Poll<io::Result<()>> {
    let len = buf.remaining();
    let n = ready!(io.poll_io_stream(cx, Direction::Read, len, |s| {
        // SAFETY: `recv` only writes into the slice, never de-initializes
        // a byte, so whatever hyper had initialized stays initialized.
        let unfilled = unsafe { buf.as_mut() };
        SockRef::from(s).recv(unfilled)
    }))?;
    // SAFETY: `recv` initialized the first `n` bytes of the unfilled part.
    unsafe { buf.advance(n) };
    Poll::Ready(Ok(()))
}

/// hyper's `rt::Read` and `rt::Write` for `$ty`, whose `PollEvented` is
/// `$this.io`.
macro_rules! impl_hyper_io {
    ($ty:ty) => {
        impl ::hyper::rt::Read for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: ReadBufCursor<'_>,
            ) -> Poll<io::Result<()>> {
                poll_read(&self.io, cx, buf)
            }
        }

        impl ::hyper::rt::Write for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                ops::poll_write(&self.io, cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                ops::poll_write_vectored(&self.io, cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            /// Nothing is buffered: a write is a system call.
            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut Context<'_>,
            ) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            /// Shuts the write half: the peer reads EOF.
            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut Context<'_>,
            ) -> Poll<io::Result<()>> {
                Poll::Ready(ops::shutdown_write(self.io.get_ref()))
            }
        }
    };
}

impl_hyper_io!(TcpStream);
impl_hyper_io!(UnixStream);

/// The addresses of a client connection made by
/// [`Connector`](super::Connector): in the extensions of every response
/// that came over it, as hyper-util's `HttpInfo` is with its
/// `HttpConnector`.
///
/// ```no_run
/// # async fn f(res: http::Response<hyper::body::Incoming>) {
/// if let Some(info) = res.extensions().get::<runtime::hyper::HttpInfo>() {
///     println!("answered by {}", info.remote_addr());
/// }
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpInfo {
    remote_addr: SocketAddr,
    local_addr: SocketAddr,
}

impl HttpInfo {
    /// The server's address.
    pub fn remote_addr(&self) -> SocketAddr {
        self.remote_addr
    }

    /// This end's address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

impl Connection for TcpStream {
    /// A plain connection (no proxy, no ALPN), with its [`HttpInfo`].
    fn connected(&self) -> Connected {
        let connected = Connected::new();
        match (self.peer_addr(), self.local_addr()) {
            (Ok(remote_addr), Ok(local_addr)) => connected.extra(HttpInfo {
                remote_addr,
                local_addr,
            }),
            _ => connected,
        }
    }
}

impl Connection for UnixStream {
    /// A plain connection (no proxy, no ALPN).
    fn connected(&self) -> Connected {
        Connected::new()
    }
}
