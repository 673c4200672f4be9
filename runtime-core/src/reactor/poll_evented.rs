//! [`PollEvented`]: a non-blocking OS resource (a socket, a pipe) bound to a
//! runtime's reactor — the building block of every I/O type of this crate.
//!
//! A resource made on a runtime thread registers at once. One made outside
//! any runtime (`TcpStream::from_std` in plain `main`) binds, like a timer,
//! to the runtime it is first used in. Either way it belongs to that runtime
//! for life: after the runtime shuts down, every operation returns an error
//! that says so.
//!
//! Dropping it deregisters the descriptor from the driver, then closes it.

use super::{Direction, Handle, Readiness, ReadyEvent, Registration};
use crate::io::Interest;
use crate::loom::{lock, Arc, Mutex, OnceLock};
use std::io;
use std::os::fd::AsRawFd;
use std::task::{Context, Poll};

pub(crate) struct PollEvented<E: AsRawFd> {
    /// `None` only after `into_inner` took it.
    io: Option<E>,
    interest: Interest,
    /// Set once, at creation or first use.
    registration: OnceLock<Registration>,
    /// Serializes a first-use bind racing another (both would register the
    /// same descriptor; the OS refuses the second).
    bind: Mutex<()>,
}

impl<E: AsRawFd> PollEvented<E> {
    /// Wraps `io` (already non-blocking), registering it with the current
    /// runtime's driver if there is one, else at its first use.
    pub(crate) fn new(io: E, interest: Interest) -> io::Result<PollEvented<E>> {
        let this = PollEvented {
            io: Some(io),
            interest,
            registration: OnceLock::new(),
            bind: Mutex::new(()),
        };
        if let Some(handle) = super::current_handle() {
            this.bind(handle)?;
        }
        Ok(this)
    }

    fn bind(&self, handle: Arc<Handle>) -> io::Result<&Registration> {
        let _guard = lock(&self.bind);
        if let Some(r) = self.registration.get() {
            return Ok(r);
        }
        let reg = Registration::with_kind(
            handle,
            self.get_ref().as_raw_fd(),
            self.interest,
            super::resource_kind::<E>(),
        )?;
        Ok(self.registration.get_or_init(|| reg))
    }

    /// The registration, binding to the current runtime on first use.
    pub(crate) fn registration(&self) -> io::Result<&Registration> {
        match self.registration.get() {
            Some(r) => Ok(r),
            None => match super::current_handle() {
                Some(handle) => self.bind(handle),
                None => Err(io::Error::other(format!(
                    "an I/O resource made outside a runtime was used outside one too: {}",
                    crate::TryCurrentError::message()
                ))),
            },
        }
    }

    pub(crate) fn get_ref(&self) -> &E {
        self.io.as_ref().expect("PollEvented used after into_inner")
    }

    /// Runs `f` on the resource once it is ready for `direction`, retrying
    /// after `WouldBlock`.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut f: impl FnMut(&E) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = self.get_ref();
        match self.registration() {
            Ok(r) => r.poll_io(cx, direction, || f(io)),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    /// [`poll_io`](Self::poll_io) for a byte stream whose `f` moves at most
    /// `len` bytes: a short transfer clears the readiness it used
    /// (`Registration::poll_io_stream`).
    pub(crate) fn poll_io_stream(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        len: usize,
        mut f: impl FnMut(&E) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let io = self.get_ref();
        match self.registration() {
            Ok(r) => r.poll_io_stream(cx, direction, len, || f(io)),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    /// Tries `f` now if the resource looks ready for `interest`.
    pub(crate) fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&E) -> io::Result<R>,
    ) -> io::Result<R> {
        let io = self.get_ref();
        self.registration()?.try_io(interest, || f(io))
    }

    /// Waits until ready for any of `interest` (any number of waiters).
    pub(crate) async fn readiness(&self, interest: Interest) -> io::Result<ReadyEvent> {
        let r: Readiness<'_> = self.registration()?.readiness(interest);
        r.await
    }

    /// Waits until ready for `interest`, then runs `f`, retrying after
    /// `WouldBlock`: the `async fn` form of [`poll_io`](Self::poll_io).
    pub(crate) async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&E) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let ev = self.readiness(interest).await?;
            match f(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.registration()?.clear_readiness(ev)
                }
                res => return res,
            }
        }
    }

    /// Deregisters and returns the resource.
    pub(crate) fn into_inner(mut self) -> io::Result<E> {
        let io = self.io.take().expect("PollEvented used after into_inner");
        if let Some(r) = self.registration.take() {
            r.deregister(io.as_raw_fd())?;
        }
        Ok(io)
    }
}

impl<E: AsRawFd> Drop for PollEvented<E> {
    fn drop(&mut self) {
        if let Some(io) = self.io.take() {
            if let Some(r) = self.registration.take() {
                let _ = r.deregister(io.as_raw_fd());
            }
            drop(io);
        }
    }
}

impl<E: AsRawFd + std::fmt::Debug> std::fmt::Debug for PollEvented<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PollEvented")
            .field("io", &self.io)
            .field("registration", &self.registration.get())
            .finish()
    }
}
