//! A resource's registration with its runtime's I/O driver: the readiness
//! slot, and the operations every socket type is built from.
//!
//! The pattern of every I/O operation (`poll_io`): wait until the slot says
//! ready, try the non-blocking system call, and on `WouldBlock` clear the
//! readiness that turned out stale (`clear_readiness` keeps it if a newer
//! event arrived meanwhile) and wait again. Each ready result charges the
//! task's cooperative budget, so one busy connection cannot starve the
//! other tasks of its worker.

use super::{shut_down_error, Direction, Handle, ReadyEvent, ScheduledIo};
use crate::coop;
use crate::io::Interest;
use crate::loom::Arc;
use crate::task::waits::{self, WaitOn};
use std::future::Future;
use std::io;
use std::os::fd::RawFd;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pub(crate) struct Registration {
    handle: Arc<Handle>,
    shared: Arc<ScheduledIo>,
    token: usize,
}

impl Registration {
    /// Registers `fd` with the driver of `handle`.
    #[cfg(test)]
    pub(crate) fn new(
        handle: Arc<Handle>,
        fd: RawFd,
        interest: Interest,
    ) -> io::Result<Registration> {
        Registration::with_kind(handle, fd, interest, "resource")
    }

    /// Registers `fd`, a `kind` (`TcpStream`...), with the driver of `handle`.
    pub(crate) fn with_kind(
        handle: Arc<Handle>,
        fd: RawFd,
        interest: Interest,
        kind: &'static str,
    ) -> io::Result<Registration> {
        let (shared, token) = handle.register(fd, interest, kind)?;
        Ok(Registration {
            handle,
            shared,
            token,
        })
    }

    /// Ready for `direction`, or `Pending` with the task's waker stored (one
    /// task per direction; see [`Registration::readiness`] for more).
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        let coop = ready!(coop::poll_proceed(cx));
        let Poll::Ready(ev) = self.shared.poll_ready(cx, direction) else {
            waits::record(self.wait_on(direction.interest()));
            return Poll::Pending;
        };
        if ev.is_shutdown {
            return Poll::Ready(Err(shut_down_error()));
        }
        coop.made_progress();
        Poll::Ready(Ok(ev))
    }

    /// Runs the non-blocking operation `f` once the resource is ready for
    /// `direction`, retrying after each `WouldBlock` (module docs).
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            let ev = ready!(self.poll_ready(cx, direction))?;
            match f() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.shared.clear_readiness(ev),
                res => return Poll::Ready(res),
            }
        }
    }

    /// Like [`poll_io`](Self::poll_io) for a byte stream (a stream socket, a
    /// pipe), where `f` moves at most `len` bytes: a transfer shorter than
    /// asked for proves the kernel buffer was drained (a read) or filled (a
    /// write) at that moment, so the readiness seen is cleared right away —
    /// the next call waits for the OS's next edge instead of making a system
    /// call that would say `WouldBlock`. An event that arrived meanwhile
    /// changed the tick, and the clear keeps it ([`ScheduledIo`]). Not for
    /// datagrams, where a short read proves nothing.
    pub(crate) fn poll_io_stream(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        len: usize,
        mut f: impl FnMut() -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        loop {
            let ev = ready!(self.poll_ready(cx, direction))?;
            match f() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.shared.clear_readiness(ev),
                Ok(n) if n > 0 && n < len => {
                    self.shared.clear_readiness(ev);
                    return Poll::Ready(Ok(n));
                }
                res => return Poll::Ready(res),
            }
        }
    }

    /// Tries `f` now if the resource looks ready for `interest`; `WouldBlock`
    /// if it does not (or `f` says so, which clears the stale readiness).
    pub(crate) fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        let ev = self.shared.readiness(interest);
        if ev.is_shutdown {
            return Err(shut_down_error());
        }
        if ev.ready.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        match f() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.shared.clear_readiness(ev);
                Err(e)
            }
            res => res,
        }
    }

    /// Waits until the resource is ready for any of `interest`: the future
    /// behind `readable()`, `writable()` and `ready()`, which any number of
    /// tasks may await at once.
    pub(crate) fn readiness(&self, interest: Interest) -> Readiness<'_> {
        Readiness {
            shared: &self.shared,
            interest,
            key: None,
            wait: self.wait_on(interest),
        }
    }

    /// The driver's token for this resource.
    #[cfg(test)]
    pub(crate) fn token(&self) -> usize {
        self.token
    }

    /// What a task waiting for `interest` on this resource waits on.
    fn wait_on(&self, interest: Interest) -> WaitOn {
        let (index, generation) = super::split_token(self.token);
        WaitOn::io(index, generation, interest)
    }

    /// Forgets readiness an operation found stale (`WouldBlock`).
    pub(crate) fn clear_readiness(&self, ev: ReadyEvent) {
        self.shared.clear_readiness(ev);
    }

    /// Deregisters `fd` from the driver before the owner closes it.
    pub(crate) fn deregister(&self, fd: RawFd) -> io::Result<()> {
        self.handle.deregister(fd, self.token)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.handle.release(self.token);
    }
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("token", &self.token)
            .field("slot", &self.shared)
            .finish()
    }
}

/// The future of [`Registration::readiness`].
pub(crate) struct Readiness<'a> {
    shared: &'a ScheduledIo,
    interest: Interest,
    /// Our entry in the slot's waiter list, while registered.
    key: Option<usize>,
    /// What the task waits on while this is pending.
    wait: WaitOn,
}

impl Future for Readiness<'_> {
    type Output = io::Result<ReadyEvent>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let coop = ready!(coop::poll_proceed(cx));
        let this = &mut *self;
        let Poll::Ready(ev) = this
            .shared
            .poll_ready_waiter(cx, this.interest, &mut this.key)
        else {
            waits::record(this.wait);
            return Poll::Pending;
        };
        coop.made_progress();
        if ev.is_shutdown {
            return Poll::Ready(Err(shut_down_error()));
        }
        Poll::Ready(Ok(ev))
    }
}

impl Drop for Readiness<'_> {
    fn drop(&mut self) {
        self.shared.remove_waiter(&mut self.key);
    }
}
