//! The OS poller under the I/O driver: `mio` normally. mio is invisible to
//! loom, so under `cfg(loom)` the same small interface is a stand-in built
//! on loom's `Mutex` and `Condvar` (as the run queues have one): `poll`
//! without a timeout blocks until a model injects an event or wakes it. loom
//! does not model time, so a poll *with* a timeout returns at once, as if
//! the time had passed; the stand-in records the timeout it was given and
//! counts wakes, so a model can check that a thread about to sleep too long
//! was woken.
//!
//! Resources register by file descriptor (mio's `SourceFd`), so a resource
//! can register through a shared reference, at its first use.
//!
//! mio makes and registers; the wait is ours. The epoll instance (a
//! `mio::Poll`) lives in the shared [`Registry`], and the thread parked on
//! the driver calls `epoll_wait` on its descriptor with its own event buffer,
//! reading the flags as mio does ([`ready_from_epoll`](imp::ready_from_epoll)). mio's own split, a
//! `Registry::try_clone` beside the `Poll`, costs a `dup` and a `close` per
//! runtime: a sixth of a current-thread runtime's start-up system calls.
//! (The crate targets Linux: epoll here, the timerfd below.)
//!
//! Timed polls: `epoll_wait` takes its timeout in whole milliseconds, rounded
//! up, so a thread parked until a timer 0.3 ms away would sleep a full
//! millisecond or more. On Linux the poller therefore owns a `timerfd`
//! (registered edge-triggered under its own token) and arms it to the
//! requested timeout, then waits without a timeout: the wake-up comes at the
//! timer's nanosecond deadline. It is re-armed only when the deadline moves,
//! never read (edge-triggered: each expiry is a new event) and never
//! disarmed (an expiry after an earlier wake-up is one spurious turn). If the
//! timerfd cannot be made, timeouts fall back to `epoll_wait`'s.

use crate::io::{Interest, Ready};
use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

#[cfg(not(loom))]
mod imp {
    use super::*;
    use mio::unix::SourceFd;

    /// The waiting side: the events buffer and the timer, owned by the
    /// thread parked on the driver. The epoll instance is the
    /// [`Registry`]'s (module docs).
    pub(crate) struct Poll {
        /// What the last `poll` returned; capacity [`EVENTS`], allocated at
        /// the first poll.
        events: Vec<libc::epoll_event>,
        /// Made at the first timed poll (a runtime that never sleeps on a
        /// timer never pays its three system calls); `Err` once that failed.
        timer: Option<Result<TimerFd, ()>>,
    }

    /// The token of the poller's own timerfd; no registration reaches it
    /// (the driver's tokens stop below `usize::MAX - 1`).
    const TIMER_TOKEN: usize = usize::MAX - 1;

    /// A `timerfd` on the monotonic clock, and when it is armed to expire.
    struct TimerFd {
        fd: std::os::fd::OwnedFd,
        armed: Option<std::time::Instant>,
    }

    impl TimerFd {
        fn new(registry: &mio::Registry) -> io::Result<TimerFd> {
            // SAFETY: a plain system call with valid flags; it returns a new
            // descriptor or -1.
            let fd = unsafe {
                libc::timerfd_create(
                    libc::CLOCK_MONOTONIC,
                    libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
                )
            };
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: `fd` was just created and is owned by nothing else.
            let fd = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
            registry.register(
                &mut SourceFd(&std::os::fd::AsRawFd::as_raw_fd(&fd)),
                mio::Token(TIMER_TOKEN),
                mio::Interest::READABLE,
            )?;
            Ok(TimerFd { fd, armed: None })
        }

        /// Makes the timer expire `timeout` from now (unless it already
        /// expires within 20 µs of that).
        fn arm(&mut self, timeout: Duration) -> io::Result<()> {
            let at = std::time::Instant::now() + timeout;
            if let Some(armed) = self.armed {
                let diff = if armed > at { armed - at } else { at - armed };
                if diff < Duration::from_micros(20) {
                    return Ok(());
                }
            }
            let spec = libc::itimerspec {
                it_interval: libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                },
                it_value: libc::timespec {
                    tv_sec: timeout.as_secs().min(i64::MAX as u64) as libc::time_t,
                    // At least 1 ns: an all-zero value would disarm it.
                    tv_nsec: timeout.subsec_nanos().max(1) as libc::c_long,
                },
            };
            // SAFETY: `fd` is a timerfd; `spec` is a valid itimerspec and the
            // old value is not asked for.
            let r = unsafe {
                libc::timerfd_settime(
                    std::os::fd::AsRawFd::as_raw_fd(&self.fd),
                    0,
                    &spec,
                    std::ptr::null_mut(),
                )
            };
            if r < 0 {
                return Err(io::Error::last_os_error());
            }
            self.armed = Some(at);
            Ok(())
        }
    }

    /// The epoll instance, shared: registrations go through mio's
    /// `Registry`, waits are `epoll_wait` on its descriptor ([`Poll::poll`]).
    pub(crate) struct Registry(mio::Poll);

    pub(crate) struct Waker(mio::Waker);

    /// Events read from the OS in one `poll`, at most.
    const EVENTS: usize = 1024;

    impl Poll {
        pub(crate) fn new() -> io::Result<(Poll, Registry)> {
            let poll = Poll {
                events: Vec::new(),
                timer: None,
            };
            Ok((poll, Registry(mio::Poll::new()?)))
        }

        /// Waits for events on `registry`'s epoll instance, at most `timeout`
        /// (`None`: until one comes).
        pub(crate) fn poll(
            &mut self,
            registry: &Registry,
            mut timeout: Option<Duration>,
        ) -> io::Result<()> {
            if let Some(t) = timeout.filter(|t| !t.is_zero()) {
                let timer = self
                    .timer
                    .get_or_insert_with(|| TimerFd::new(registry.0.registry()).map_err(drop));
                if let Ok(timer) = timer {
                    if timer.arm(t).is_ok() {
                        timeout = None;
                    }
                }
            }
            // Whole milliseconds, rounded up (as mio does): a sub-millisecond
            // timeout must not become a zero one.
            let timeout_ms = timeout.map_or(-1, |t| {
                let ms = t
                    .checked_add(Duration::from_nanos(999_999))
                    .unwrap_or(t)
                    .as_millis();
                libc::c_int::try_from(ms).unwrap_or(libc::c_int::MAX)
            });
            self.events.clear();
            self.events.reserve_exact(EVENTS);
            // SAFETY: the descriptor is the live epoll instance `registry`
            // owns; the buffer has room for `capacity` events, and the kernel
            // writes at most that many.
            let n = unsafe {
                libc::epoll_wait(
                    std::os::fd::AsRawFd::as_raw_fd(&registry.0),
                    self.events.as_mut_ptr(),
                    self.events.capacity() as libc::c_int,
                    timeout_ms,
                )
            };
            if n < 0 {
                let e = io::Error::last_os_error();
                return if e.kind() == io::ErrorKind::Interrupted {
                    Ok(())
                } else {
                    Err(e)
                };
            }
            // SAFETY: `epoll_wait` initialised the first `n` entries, and `n`
            // is at most the capacity it was given.
            unsafe { self.events.set_len(n as usize) };
            if let Some(Ok(timer)) = &mut self.timer {
                if self.events.iter().any(|e| e.u64 as usize == TIMER_TOKEN) {
                    timer.armed = None;
                }
            }
            Ok(())
        }

        /// The events of the last `poll`, as `(token, readiness)`.
        pub(crate) fn events(&self, mut f: impl FnMut(usize, Ready)) {
            for e in &self.events {
                let (token, events) = (e.u64 as usize, e.events);
                if token != TIMER_TOKEN {
                    f(token, ready_from_epoll(events));
                }
            }
        }
    }

    /// What an epoll event's flags report: the meaning mio gives them
    /// (this file reads the events itself; mio registers them).
    pub(super) fn ready_from_epoll(events: u32) -> Ready {
        let has = |flag: libc::c_int| events & flag as u32 != 0;
        let mut r = Ready::EMPTY;
        if has(libc::EPOLLIN) || has(libc::EPOLLPRI) {
            r |= Ready::READABLE;
        }
        if has(libc::EPOLLOUT) {
            r |= Ready::WRITABLE;
        }
        // Both halves closed, or a FIN / shutdown(SHUT_RD) on the read side.
        if has(libc::EPOLLHUP) || (has(libc::EPOLLIN) && has(libc::EPOLLRDHUP)) {
            r |= Ready::READ_CLOSED;
        }
        // Both halves closed; a pipe's read end closed (EPOLLERR, alone or
        // with EPOLLOUT).
        if has(libc::EPOLLHUP)
            || (has(libc::EPOLLOUT) && has(libc::EPOLLERR))
            || events == libc::EPOLLERR as u32
        {
            r |= Ready::WRITE_CLOSED;
        }
        if has(libc::EPOLLPRI) {
            r |= Ready::PRIORITY;
        }
        if has(libc::EPOLLERR) {
            r |= Ready::ERROR;
        }
        r
    }

    /// The mio interest that registers for `interest`.
    fn to_mio(interest: Interest) -> mio::Interest {
        let mut m: Option<mio::Interest> = None;
        let mut add = |i: mio::Interest| m = Some(m.map_or(i, |m| m.add(i)));
        if interest.is_readable() {
            add(mio::Interest::READABLE);
        }
        if interest.is_writable() {
            add(mio::Interest::WRITABLE);
        }
        if interest.is_priority() {
            add(mio::Interest::PRIORITY);
        }
        // Errors are always reported; mio needs at least one interest.
        m.unwrap_or(mio::Interest::READABLE)
    }

    impl Registry {
        pub(crate) fn register(
            &self,
            fd: RawFd,
            token: usize,
            interest: Interest,
        ) -> io::Result<()> {
            self.0
                .registry()
                .register(&mut SourceFd(&fd), mio::Token(token), to_mio(interest))
        }

        pub(crate) fn deregister(&self, fd: RawFd) -> io::Result<()> {
            self.0.registry().deregister(&mut SourceFd(&fd))
        }

        pub(crate) fn waker(&self, token: usize) -> io::Result<Waker> {
            mio::Waker::new(self.0.registry(), mio::Token(token)).map(Waker)
        }
    }

    impl Waker {
        pub(crate) fn wake(&self) -> io::Result<()> {
            self.0.wake()
        }
    }
}

#[cfg(loom)]
mod imp {
    use super::*;
    use crate::loom::{lock, Arc, Condvar, Mutex};

    #[derive(Default)]
    struct State {
        /// Injected by models, delivered by the next `poll`.
        pending: Vec<(usize, Ready)>,
        /// Tokens of wakes not yet delivered.
        woken: Vec<usize>,
        /// Wakes ever made.
        wakes: usize,
        /// The timeout of the last `poll`.
        last_timeout: Option<Option<Duration>>,
    }

    #[derive(Default)]
    struct Shared {
        state: Mutex<State>,
        cv: Condvar,
    }

    pub(crate) struct Poll {
        shared: Arc<Shared>,
        events: Vec<(usize, Ready)>,
    }

    pub(crate) struct Registry(Arc<Shared>);

    pub(crate) struct Waker(Arc<Shared>, usize);

    impl Poll {
        pub(crate) fn new() -> io::Result<(Poll, Registry)> {
            let shared = Arc::new(Shared::default());
            Ok((
                Poll {
                    shared: shared.clone(),
                    events: Vec::new(),
                },
                Registry(shared),
            ))
        }

        pub(crate) fn poll(&mut self, _: &Registry, timeout: Option<Duration>) -> io::Result<()> {
            let mut s = lock(&self.shared.state);
            s.last_timeout = Some(timeout);
            if timeout.is_none() {
                while s.pending.is_empty() && s.woken.is_empty() {
                    s = self.shared.cv.wait(s).unwrap();
                }
            }
            self.events = std::mem::take(&mut s.pending);
            let woken = std::mem::take(&mut s.woken);
            self.events
                .extend(woken.into_iter().map(|t| (t, Ready::READABLE)));
            Ok(())
        }

        pub(crate) fn events(&self, mut f: impl FnMut(usize, Ready)) {
            for &(t, r) in &self.events {
                f(t, r);
            }
        }
    }

    impl Registry {
        pub(crate) fn register(&self, _: RawFd, _: usize, _: Interest) -> io::Result<()> {
            Ok(())
        }

        pub(crate) fn deregister(&self, _: RawFd) -> io::Result<()> {
            Ok(())
        }

        pub(crate) fn waker(&self, token: usize) -> io::Result<Waker> {
            Ok(Waker(self.0.clone(), token))
        }

        /// Models: `(wakes made, timeout of the last poll)`.
        #[cfg(test)]
        pub(crate) fn observed(&self) -> (usize, Option<Option<Duration>>) {
            let s = lock(&self.0.state);
            (s.wakes, s.last_timeout)
        }

        /// Models: the OS reports `ready` for `token`.
        #[cfg(test)]
        pub(crate) fn inject(&self, token: usize, ready: Ready) {
            lock(&self.0.state).pending.push((token, ready));
            self.0.cv.notify_one();
        }
    }

    impl Waker {
        pub(crate) fn wake(&self) -> io::Result<()> {
            let mut s = lock(&self.0.state);
            s.woken.push(self.1);
            s.wakes += 1;
            drop(s);
            self.0.cv.notify_one();
            Ok(())
        }
    }
}

pub(crate) use imp::{Poll, Registry, Waker};

#[cfg(all(test, not(loom)))]
mod tests {
    use super::imp::ready_from_epoll;
    use crate::io::Ready;

    #[test]
    fn epoll_flags_read_as_mio_reads_them() {
        let r =
            |flags: &[libc::c_int]| ready_from_epoll(flags.iter().fold(0, |a, f| a | *f as u32));
        use libc::{EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLPRI, EPOLLRDHUP};
        assert_eq!(r(&[EPOLLIN]), Ready::READABLE);
        assert_eq!(r(&[EPOLLOUT]), Ready::WRITABLE);
        assert_eq!(r(&[EPOLLPRI]), Ready::READABLE | Ready::PRIORITY);
        // A FIN: readable and read-closed; EPOLLRDHUP alone is neither.
        assert_eq!(
            r(&[EPOLLIN, EPOLLRDHUP]),
            Ready::READABLE | Ready::READ_CLOSED
        );
        assert_eq!(r(&[EPOLLRDHUP]), Ready::EMPTY);
        // Both halves closed.
        assert_eq!(
            r(&[EPOLLIN, EPOLLOUT, EPOLLHUP]),
            Ready::READABLE | Ready::WRITABLE | Ready::READ_CLOSED | Ready::WRITE_CLOSED
        );
        // A pipe whose read end closed: EPOLLERR alone, or with EPOLLOUT.
        assert_eq!(r(&[EPOLLERR]), Ready::WRITE_CLOSED | Ready::ERROR);
        assert_eq!(
            r(&[EPOLLOUT, EPOLLERR]),
            Ready::WRITABLE | Ready::WRITE_CLOSED | Ready::ERROR
        );
        assert_eq!(r(&[EPOLLIN, EPOLLERR]), Ready::READABLE | Ready::ERROR);
    }
}
