//! The system calls every stream type shares, generic over the socket (a
//! TCP or a Unix stream both read with `recv` and write with `send`), and
//! the macros that give each type its readiness methods and both families of
//! `AsyncRead`/`AsyncWrite`.
//!
//! Writes pass `MSG_NOSIGNAL`: writing to a closed peer is the
//! [`BrokenPipe`](std::io::ErrorKind::BrokenPipe) error, never a `SIGPIPE`,
//! even in a program (a C host, a `cdylib`) that does not ignore the signal
//! as Rust's `main` does. Vectored writes are one `sendmsg` with every
//! buffer (real scatter-gather, not a loop of writes).

use crate::io::ReadBuf;
use crate::reactor::{Direction, PollEvented};
use socket2::SockRef;
use std::io::{self, IoSlice, IoSliceMut, Read};
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd};
use std::task::{Context, Poll};

/// What a socket type must be for the shared operations.
pub(crate) trait Sock: AsFd + AsRawFd {}
impl<T: AsFd + AsRawFd> Sock for T {}

/// `recv` into the unfilled part of `buf`, which may be uninitialized.
pub(crate) fn recv_buf<E: Sock>(io: &E, buf: &mut ReadBuf<'_>) -> io::Result<usize> {
    // SAFETY: `recv` only writes to the slice (it never de-initializes
    // bytes), so `buf`'s initialized part stays initialized.
    let unfilled = unsafe { buf.unfilled_mut() };
    let n = SockRef::from(io).recv(unfilled)?;
    // SAFETY: `recv` wrote `n` bytes at the start of the unfilled part.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Ok(n)
}

/// `recv` with `MSG_PEEK` into `buf`'s unfilled part.
pub(crate) fn peek_buf<E: Sock>(io: &E, buf: &mut ReadBuf<'_>) -> io::Result<usize> {
    // SAFETY: as in `recv_buf`: `recv` only writes.
    let unfilled = unsafe { buf.unfilled_mut() };
    let n = SockRef::from(io).peek(unfilled)?;
    // SAFETY: `recv` wrote `n` bytes at the start of the unfilled part.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Ok(n)
}

pub(crate) fn recv<E: Sock>(io: &E, buf: &mut [u8]) -> io::Result<usize> {
    (&*SockRef::from(io)).read(buf)
}

pub(crate) fn recv_vectored<E: Sock>(io: &E, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
    (&*SockRef::from(io)).read_vectored(bufs)
}

pub(crate) fn send<E: Sock>(io: &E, buf: &[u8]) -> io::Result<usize> {
    SockRef::from(io).send_with_flags(buf, libc::MSG_NOSIGNAL)
}

pub(crate) fn send_vectored<E: Sock>(io: &E, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    SockRef::from(io).send_vectored_with_flags(bufs, libc::MSG_NOSIGNAL)
}

/// Shuts the write half: the peer reads EOF; this side can still read.
pub(crate) fn shutdown_write<E: Sock>(io: &E) -> io::Result<()> {
    match SockRef::from(io).shutdown(Shutdown::Write) {
        // The peer already went away: the write half is as shut as it gets.
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
        res => res,
    }
}

// The reads and writes of a stream: a short transfer clears the readiness
// it used (`PollEvented::poll_io_stream`), so a request/response exchange
// makes one `recv` and one `send` each, not a second `recv` that says
// `WouldBlock`.

pub(crate) fn poll_read<E: Sock>(
    io: &PollEvented<E>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
) -> Poll<io::Result<()>> {
    let len = buf.remaining();
    io.poll_io_stream(cx, Direction::Read, len, |s| recv_buf(s, buf))
        .map_ok(drop)
}

pub(crate) fn poll_read_slice<E: Sock>(
    io: &PollEvented<E>,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>> {
    io.poll_io_stream(cx, Direction::Read, buf.len(), |s| recv(s, buf))
}

pub(crate) fn poll_read_vectored<E: Sock>(
    io: &PollEvented<E>,
    cx: &mut Context<'_>,
    bufs: &mut [IoSliceMut<'_>],
) -> Poll<io::Result<usize>> {
    let len = bufs.iter().map(|b| b.len()).sum();
    io.poll_io_stream(cx, Direction::Read, len, |s| recv_vectored(s, bufs))
}

pub(crate) fn poll_write<E: Sock>(
    io: &PollEvented<E>,
    cx: &mut Context<'_>,
    buf: &[u8],
) -> Poll<io::Result<usize>> {
    io.poll_io_stream(cx, Direction::Write, buf.len(), |s| send(s, buf))
}

pub(crate) fn poll_write_vectored<E: Sock>(
    io: &PollEvented<E>,
    cx: &mut Context<'_>,
    bufs: &[IoSlice<'_>],
) -> Poll<io::Result<usize>> {
    let len = bufs.iter().map(|b| b.len()).sum();
    io.poll_io_stream(cx, Direction::Write, len, |s| send_vectored(s, bufs))
}

/// `send`/`recv` to and from the connected peer (`poll_` and `try_`
/// variants too) for a datagram socket whose `self.io` is a `PollEvented`
/// around a std socket with `send`/`recv`: expanded inside its `impl`.
macro_rules! connected_datagram_methods {
    () => {
        /// Sends `buf` to the connected peer as one datagram; returns how
        /// many bytes were sent.
        pub async fn send(&self, buf: &[u8]) -> std::io::Result<usize> {
            self.io
                .async_io($crate::io::Interest::WRITABLE, |s| s.send(buf))
                .await
        }

        /// Polls for [`send`](Self::send). Only the last task to poll is woken.
        pub fn poll_send(
            &self,
            cx: &mut std::task::Context<'_>,
            buf: &[u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            self.io
                .poll_io(cx, $crate::reactor::Direction::Write, |s| s.send(buf))
        }

        /// [`send`](Self::send) without waiting: `WouldBlock` if the socket
        /// is not writable now.
        pub fn try_send(&self, buf: &[u8]) -> std::io::Result<usize> {
            self.io
                .try_io($crate::io::Interest::WRITABLE, |s| s.send(buf))
        }

        /// Receives one datagram from the connected peer into `buf` (the
        /// excess of a longer datagram is discarded); returns its length.
        pub async fn recv(&self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.io
                .async_io($crate::io::Interest::READABLE, |s| s.recv(buf))
                .await
        }

        /// Polls for [`recv`](Self::recv), into `buf`'s unfilled part. Only
        /// the last task to poll is woken.
        pub fn poll_recv(
            &self,
            cx: &mut std::task::Context<'_>,
            buf: &mut $crate::io::ReadBuf<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            self.io.poll_io(cx, $crate::reactor::Direction::Read, |s| {
                $crate::net::ops::recv_buf(s, buf).map(drop)
            })
        }

        /// [`recv`](Self::recv) without waiting: `WouldBlock` if no datagram
        /// is there.
        pub fn try_recv(&self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.io
                .try_io($crate::io::Interest::READABLE, |s| s.recv(buf))
        }
    };
}
pub(crate) use connected_datagram_methods;

/// `readable()`, `writable()`, `ready()`, `try_io()` and `async_io()` for a
/// type whose `self.io` is a `PollEvented`: expanded inside its `impl`.
macro_rules! readiness_methods {
    () => {
        /// Waits until the socket is ready for any of `interest`, and says
        /// for what. Several tasks may wait at once.
        ///
        /// The readiness may be stale: an operation may still return
        /// [`WouldBlock`](std::io::ErrorKind::WouldBlock), which (through
        /// the `try_*` methods or [`try_io`](Self::try_io)) clears it, so
        /// the next wait sleeps until the OS reports news.
        pub async fn ready(
            &self,
            interest: $crate::io::Interest,
        ) -> std::io::Result<$crate::io::Ready> {
            Ok(self.io.readiness(interest).await?.ready)
        }

        /// Waits until the socket is readable (or its read half closed);
        /// pair it with the `try_` reads. Same as `ready(Interest::READABLE)`.
        pub async fn readable(&self) -> std::io::Result<()> {
            self.ready($crate::io::Interest::READABLE).await.map(drop)
        }

        /// Waits until the socket is writable (or its write half closed);
        /// pair it with the `try_` writes. Same as `ready(Interest::WRITABLE)`.
        pub async fn writable(&self) -> std::io::Result<()> {
            self.ready($crate::io::Interest::WRITABLE).await.map(drop)
        }

        /// Runs `f`, a non-blocking operation of your own on the socket (say
        /// through its raw descriptor), if the socket looks ready for
        /// `interest`; returns [`WouldBlock`](std::io::ErrorKind::WouldBlock)
        /// if it does not. A `WouldBlock` from `f` clears the readiness, so
        /// `f` must return it only when the OS said so.
        pub fn try_io<R>(
            &self,
            interest: $crate::io::Interest,
            f: impl FnOnce() -> std::io::Result<R>,
        ) -> std::io::Result<R> {
            self.io.try_io(interest, |_| f())
        }

        /// Waits until the socket is ready for `interest`, then runs `f` (a
        /// non-blocking operation of your own), retrying after each
        /// [`WouldBlock`](std::io::ErrorKind::WouldBlock) it returns.
        pub async fn async_io<R>(
            &self,
            interest: $crate::io::Interest,
            mut f: impl FnMut() -> std::io::Result<R>,
        ) -> std::io::Result<R> {
            self.io.async_io(interest, |_| f()).await
        }
    };
}
pub(crate) use readiness_methods;

/// A stream's `try_read`, `try_read_vectored`, `try_write` and
/// `try_write_vectored`: expanded inside its `impl`.
macro_rules! try_read_write_methods {
    () => {
        /// Reads what is there now, without waiting: `WouldBlock` if nothing
        /// is, `Ok(0)` at end of stream.
        pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.io.try_io($crate::io::Interest::READABLE, |s| {
                $crate::net::ops::recv(s, buf)
            })
        }

        /// Like [`try_read`](Self::try_read), into several buffers (`readv`).
        pub fn try_read_vectored(
            &self,
            bufs: &mut [std::io::IoSliceMut<'_>],
        ) -> std::io::Result<usize> {
            self.io.try_io($crate::io::Interest::READABLE, |s| {
                $crate::net::ops::recv_vectored(s, bufs)
            })
        }

        /// Writes what fits now, without waiting: `WouldBlock` if nothing
        /// does.
        pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
            self.io.try_io($crate::io::Interest::WRITABLE, |s| {
                $crate::net::ops::send(s, buf)
            })
        }

        /// Like [`try_write`](Self::try_write), from several buffers in one
        /// system call.
        pub fn try_write_vectored(&self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
            self.io.try_io($crate::io::Interest::WRITABLE, |s| {
                $crate::net::ops::send_vectored(s, bufs)
            })
        }
    };
}
pub(crate) use try_read_write_methods;

/// `AsRawFd`, `AsFd` for a type whose `self.io` is a `PollEvented`.
macro_rules! impl_fd {
    ($ty:ty) => {
        impl std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                self.io.get_ref().as_raw_fd()
            }
        }

        impl std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                self.io.get_ref().as_fd()
            }
        }
    };
}
pub(crate) use impl_fd;

/// tokio's and futures-io's `AsyncRead` for `$ty`, whose `PollEvented` is
/// `$io` (an expression over `$this: &$ty`).
macro_rules! impl_async_read {
    ($ty:ty, |$this:ident| $io:expr) => {
        impl $crate::io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut $crate::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $this = &*self;
                $crate::net::ops::poll_read($io, cx, buf)
            }
        }

        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = &*self;
                $crate::net::ops::poll_read_slice($io, cx, buf)
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = &*self;
                $crate::net::ops::poll_read_vectored($io, cx, bufs)
            }
        }
    };
}
pub(crate) use impl_async_read;

/// tokio's and futures-io's `AsyncWrite` for `$ty`: vectored writes are one
/// `sendmsg`; flushing does nothing (nothing is buffered); shutdown and
/// close shut the write half.
macro_rules! impl_async_write {
    ($ty:ty, |$this:ident| $io:expr) => {
        impl $crate::io::AsyncWrite for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = &*self;
                $crate::net::ops::poll_write($io, cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = &*self;
                $crate::net::ops::poll_write_vectored($io, cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $this = &*self;
                std::task::Poll::Ready($crate::net::ops::shutdown_write($io.get_ref()))
            }
        }

        impl futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = &*self;
                $crate::net::ops::poll_write($io, cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = &*self;
                $crate::net::ops::poll_write_vectored($io, cx, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $this = &*self;
                std::task::Poll::Ready($crate::net::ops::shutdown_write($io.get_ref()))
            }
        }
    };
}
pub(crate) use impl_async_write;

/// Makes `io` non-blocking, for the `from_std` constructors: a blocking
/// socket would stall a worker thread.
pub(crate) fn nonblocking<E: Sock>(io: E) -> io::Result<E> {
    SockRef::from(&io).set_nonblocking(true)?;
    Ok(io)
}
