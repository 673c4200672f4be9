//! A child's piped stdin, stdout and stderr as async streams: each pipe end
//! is made non-blocking and registered with the reactor, and implements both
//! tokio's and futures-io's `AsyncRead`/`AsyncWrite`.

use crate::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use crate::reactor::{Direction, PollEvented};
use mio::unix::pipe::{Receiver, Sender};
use std::fmt;
use std::io::{self, IoSlice, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};

/// Reads into `buf`'s unfilled part.
fn read_buf(r: &Receiver, buf: &mut ReadBuf<'_>) -> io::Result<usize> {
    let n = (&*r).read(buf.initialize_unfilled())?;
    buf.advance(n);
    Ok(n)
}

macro_rules! pipe_common {
    ($name:ident, $end:ty, $std:ty, $interest:expr) => {
        impl $name {
            /// Wraps a std pipe end: makes it non-blocking and registers it
            /// with the current runtime's reactor (or, outside a runtime,
            /// the one it is first used in).
            pub fn from_std(std: $std) -> io::Result<$name> {
                let end = <$end>::from(std);
                end.set_nonblocking(true)?;
                Ok($name {
                    io: PollEvented::new(end, $interest)?,
                })
            }

            /// Deregisters the pipe and gives back its descriptor, in
            /// blocking mode again (ready to be another process's stdio).
            pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
                let end = self.io.into_inner()?;
                end.set_nonblocking(false)?;
                Ok(OwnedFd::from(end))
            }
        }

        impl AsRawFd for $name {
            fn as_raw_fd(&self) -> RawFd {
                self.io.get_ref().as_raw_fd()
            }
        }

        impl AsFd for $name {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.io.get_ref().as_fd()
            }
        }

        /// Passes the pipe on as another child's stdio (`a | b`).
        impl TryFrom<$name> for Stdio {
            type Error = io::Error;

            fn try_from(pipe: $name) -> io::Result<Stdio> {
                pipe.into_owned_fd().map(Stdio::from)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($name))
                    .field(&self.as_raw_fd())
                    .finish()
            }
        }
    };
}

macro_rules! reader {
    ($(#[$doc:meta])* $name:ident, $std:ty) => {
        $(#[$doc])*
        pub struct $name {
            io: PollEvented<Receiver>,
        }

        pipe_common!($name, Receiver, $std, Interest::READABLE);

        impl AsyncRead for $name {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                // A short read clears the readiness it used (a pipe that
                // returned less than asked for is empty).
                let len = buf.remaining();
                self.io
                    .poll_io_stream(cx, Direction::Read, len, |r| read_buf(r, buf))
                    .map_ok(drop)
            }
        }

        impl futures_io::AsyncRead for $name {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.io
                    .poll_io_stream(cx, Direction::Read, buf.len(), |r| (&*r).read(buf))
            }
        }
    };
}

reader!(
    /// The child's stdout, when piped ([`Stdio::piped`]): an async reader
    /// implementing tokio's [`AsyncRead`] (use it through
    /// [`AsyncReadExt`](crate::io::AsyncReadExt),
    /// [`BufReader`](crate::io::BufReader), ...) and futures-io's.
    ///
    /// Reads return 0 (end of file) once the child and every process it
    /// passed the pipe on to closed it — usually when the child exits.
    ChildStdout,
    std::process::ChildStdout
);

reader!(
    /// The child's stderr, when piped ([`Stdio::piped`]): an async reader,
    /// as [`ChildStdout`].
    ChildStderr,
    std::process::ChildStderr
);

/// The child's stdin, when piped ([`Stdio::piped`]): an async writer
/// implementing tokio's [`AsyncWrite`] (use it through
/// [`AsyncWriteExt`](crate::io::AsyncWriteExt)) and futures-io's.
///
/// Drop it to close the pipe: the child reads end of file. `flush` and
/// `shutdown` do nothing (nothing is buffered here). A write after the
/// child closed its end fails with
/// [`BrokenPipe`](io::ErrorKind::BrokenPipe) (Rust programs ignore
/// `SIGPIPE`; a program that does not is ended by it, as with blocking
/// pipes).
pub struct ChildStdin {
    io: PollEvented<Sender>,
}

pipe_common!(
    ChildStdin,
    Sender,
    std::process::ChildStdin,
    Interest::WRITABLE
);

impl AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // A short write clears the readiness it used (the pipe is full).
        self.io
            .poll_io_stream(cx, Direction::Write, buf.len(), |w| (&*w).write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|b| b.len()).sum();
        self.io
            .poll_io_stream(cx, Direction::Write, len, |w| (&*w).write_vectored(bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl futures_io::AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        AsyncWrite::poll_write(self, cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        AsyncWrite::poll_write_vectored(self, cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
