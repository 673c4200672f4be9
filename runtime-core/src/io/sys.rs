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

use super::ready::{Interest, Ready};
use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

#[cfg(not(loom))]
mod imp {
    use super::*;
    use mio::unix::SourceFd;

    pub(crate) struct Poll {
        poll: mio::Poll,
        events: mio::Events,
    }

    pub(crate) struct Registry(mio::Registry);

    pub(crate) struct Waker(mio::Waker);

    /// Events read from the OS in one `poll`, at most.
    const EVENTS: usize = 1024;

    impl Poll {
        pub(crate) fn new() -> io::Result<(Poll, Registry)> {
            let poll = mio::Poll::new()?;
            let registry = Registry(poll.registry().try_clone()?);
            Ok((
                Poll {
                    poll,
                    events: mio::Events::with_capacity(EVENTS),
                },
                registry,
            ))
        }

        /// Waits for events, at most `timeout` (`None`: until one comes).
        pub(crate) fn poll(&mut self, timeout: Option<Duration>) -> io::Result<()> {
            match self.poll.poll(&mut self.events, timeout) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    self.events.clear();
                    Ok(())
                }
                res => res,
            }
        }

        /// The events of the last `poll`, as `(token, readiness)`.
        pub(crate) fn events(&self, mut f: impl FnMut(usize, Ready)) {
            for e in self.events.iter() {
                f(e.token().0, Ready::from_mio(e));
            }
        }
    }

    impl Registry {
        pub(crate) fn register(
            &self,
            fd: RawFd,
            token: usize,
            interest: Interest,
        ) -> io::Result<()> {
            self.0
                .register(&mut SourceFd(&fd), mio::Token(token), interest.to_mio())
        }

        pub(crate) fn deregister(&self, fd: RawFd) -> io::Result<()> {
            self.0.deregister(&mut SourceFd(&fd))
        }

        pub(crate) fn waker(&self, token: usize) -> io::Result<Waker> {
            mio::Waker::new(&self.0, mio::Token(token)).map(Waker)
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
    use crate::loom::{Arc, Condvar, Mutex};

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

        pub(crate) fn poll(&mut self, timeout: Option<Duration>) -> io::Result<()> {
            let mut s = self.shared.state.lock().unwrap();
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
        pub(crate) fn observed(&self) -> (usize, Option<Option<Duration>>) {
            let s = self.0.state.lock().unwrap();
            (s.wakes, s.last_timeout)
        }

        /// Models: the OS reports `ready` for `token`.
        pub(crate) fn inject(&self, token: usize, ready: Ready) {
            self.0.state.lock().unwrap().pending.push((token, ready));
            self.0.cv.notify_one();
        }
    }

    impl Waker {
        pub(crate) fn wake(&self) -> io::Result<()> {
            let mut s = self.0.state.lock().unwrap();
            s.woken.push(self.1);
            s.wakes += 1;
            drop(s);
            self.0.cv.notify_one();
            Ok(())
        }
    }
}

pub(crate) use imp::{Poll, Registry, Waker};
