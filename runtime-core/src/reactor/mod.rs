//! The reactor: one OS poller (epoll, through mio) per runtime, and the
//! registrations that turn its events into task wake-ups. It is the bottom
//! of the driver stack ([`crate::driver`]); the layers above it (time,
//! then the self-pipe's readers) call only [`Driver::turn`] and [`Handle`].
//!
//! Two halves:
//! * [`Driver`], the poller itself, is owned by whoever parks on it (a worker
//!   with nothing to do, or the current-thread `block_on`): it waits in
//!   [`Driver::turn`] and delivers the events. At most one thread holds it.
//! * [`Handle`], shared by everyone: registering and deregistering resources,
//!   waking the parked owner ([`Handle::unpark`]: a `mio::Waker` write), and
//!   shutdown.
//!
//! A resource registers once, edge-triggered, for the interest it will ever
//! need, and gets a readiness slot ([`ScheduledIo`], whose protocol is in
//! [`scheduled_io`]). Its mio `Token` is the slot's index in the slab with
//! a generation in the high bits: an event still in flight for a closed
//! resource whose index was reused carries the old generation and is dropped.
//!
//! A *self-pipe* — a pipe whose writer wants the next turn to happen, read
//! by a layer above — registers here like any resource
//! ([`Handle::enable_self_pipe`]), and its token is remembered: a turn that
//! sees it readable says so in its [`Turn`], and the layer above drains it.
//!
//! Lock order: `registrations`, then a slot's `waiters`. The driver holds
//! `registrations` while it delivers one turn's events (so a deregistration
//! is ordered before or after the whole batch), collects the wakers, and
//! wakes them after releasing both locks.

pub(crate) mod poll_evented;
pub(crate) mod registration;
pub(crate) mod scheduled_io;
pub(crate) mod sys;

#[cfg(all(test, not(loom)))]
mod tests;

pub(crate) use poll_evented::PollEvented;
pub(crate) use registration::{Readiness, Registration};
pub(crate) use scheduled_io::{Direction, ReadyEvent, ScheduledIo};

use crate::io::Interest;
#[cfg(all(test, loom))]
use crate::io::Ready;
use crate::loom::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use crate::loom::{lock, Arc, Mutex};
use std::io;
use std::os::fd::RawFd;
use std::task::Waker;
use std::time::Duration;

/// Bits of a token holding the slab index; the rest hold the generation.
const INDEX_BITS: u32 = usize::BITS / 2;
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;
/// The token of the unpark waker. It and the poller's own timer token
/// (`usize::MAX - 1`, [`sys`]) have all index bits set; the slab stops
/// below those two indices, so no registration's token is either.
const WAKER_TOKEN: usize = usize::MAX;
/// Indices at or above this are never given out (see `WAKER_TOKEN`).
const INDEX_LIMIT: usize = INDEX_MASK - 1;

/// A token's slab index and generation.
pub(crate) fn split_token(token: usize) -> (usize, usize) {
    (token & INDEX_MASK, token >> INDEX_BITS)
}

/// The poller: owned by the thread parked on it.
pub(crate) struct Driver {
    poll: sys::Poll,
    /// Counts turns; each event is stamped with it ([`scheduled_io`]).
    tick: u16,
    /// Wakers collected in one turn, kept to reuse the allocation.
    wakers: Vec<Waker>,
}

/// What everyone shares: registrations, the unpark waker, shutdown.
pub(crate) struct Handle {
    registry: sys::Registry,
    waker: sys::Waker,
    registrations: Mutex<Registrations>,
    /// Events delivered to a live resource, over the driver's life.
    ready_count: AtomicU64,
    /// Resources registered now (`registrations.slab.len()`, readable
    /// without the lock): running threads skip polling while it is zero.
    sources: AtomicUsize,
}

struct Registrations {
    /// Live resources.
    slab: slab::Slab<Reg>,
    /// The generation the next registration gets (wrapping).
    next_generation: usize,
    /// Set by shutdown: no resource registers afterwards.
    is_shutdown: bool,
    /// The token of the self-pipe, once registered here
    /// ([`Handle::enable_self_pipe`]). Set under this lock before the pipe
    /// is registered with the OS, so every turn that sees its event knows it.
    self_pipe: Option<usize>,
}

/// One live resource.
struct Reg {
    generation: usize,
    io: Arc<ScheduledIo>,
    /// Its descriptor, open while it is registered (its owner deregisters
    /// before closing it): what a dump asks the OS about.
    fd: RawFd,
    /// What it is, for dumps: `TcpStream`, `pipe`...
    kind: &'static str,
}

impl Driver {
    pub(crate) fn new() -> io::Result<(Driver, Handle)> {
        let (poll, registry) = sys::Poll::new()?;
        let waker = registry.waker(WAKER_TOKEN)?;
        let handle = Handle {
            registry,
            waker,
            registrations: Mutex::new(Registrations {
                slab: slab::Slab::new(),
                next_generation: 0,
                is_shutdown: false,
                self_pipe: None,
            }),
            ready_count: AtomicU64::new(0),
            sources: AtomicUsize::new(0),
        };
        let driver = Driver {
            poll,
            tick: 0,
            wakers: Vec::new(),
        };
        Ok((driver, handle))
    }

    /// Waits for I/O events for at most `timeout` (`None`: until one comes or
    /// [`Handle::unpark`]), then delivers them: readiness set, tasks woken.
    pub(crate) fn turn(&mut self, handle: &Handle, timeout: Option<Duration>) -> Turn {
        if let Err(e) = self.poll.poll(&handle.registry, timeout) {
            // epoll_wait fails only on a bad argument or fd: a bug, not load.
            panic!("the I/O driver's poll failed: {e}");
        }
        self.tick = self.tick.wrapping_add(1);
        let tick = self.tick;
        let mut delivered = 0;
        let mut self_pipe = false;
        {
            let regs = lock(&handle.registrations);
            let wakers = &mut self.wakers;
            self.poll.events(|token, ready| {
                if token == WAKER_TOKEN {
                    return;
                }
                self_pipe |= Some(token) == regs.self_pipe;
                let (index, generation) = split_token(token);
                match regs.slab.get(index) {
                    Some(reg) if reg.generation == generation => {
                        reg.io.set_readiness(tick, ready);
                        reg.io.take_wakers(ready, wakers);
                        delivered += 1;
                    }
                    // Deregistered, maybe reused: a stale event.
                    _ => {}
                }
            });
        }
        handle.ready_count.fetch_add(delivered as u64, Relaxed);
        for w in self.wakers.drain(..) {
            crate::contain::wake(w, "an I/O event");
        }
        Turn {
            delivered,
            self_pipe,
        }
    }
}

/// What one [`Driver::turn`] found.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Turn {
    /// Resources that received an event (the self-pipe included).
    pub(crate) delivered: usize,
    /// The self-pipe was readable: the layer above must drain it.
    pub(crate) self_pipe: bool,
}

impl Handle {
    /// Registers `fd` for `interest` (edge-triggered, once for its life);
    /// `kind` says what it is, for dumps.
    pub(crate) fn register(
        &self,
        fd: RawFd,
        interest: Interest,
        kind: &'static str,
    ) -> io::Result<(Arc<ScheduledIo>, usize)> {
        let (io, token) = self.insert(&mut lock(&self.registrations), fd, kind)?;
        if let Err(e) = self.registry.register(fd, token, interest) {
            self.release(token);
            return Err(e);
        }
        Ok((io, token))
    }

    /// A new slot in the slab, and its token.
    fn insert(
        &self,
        regs: &mut Registrations,
        fd: RawFd,
        kind: &'static str,
    ) -> io::Result<(Arc<ScheduledIo>, usize)> {
        if regs.is_shutdown {
            return Err(shut_down_error());
        }
        let generation = regs.next_generation & (usize::MAX >> INDEX_BITS);
        regs.next_generation = regs.next_generation.wrapping_add(1);
        let io = Arc::new(ScheduledIo::default());
        let index = regs.slab.insert(Reg {
            generation,
            io: io.clone(),
            fd,
            kind,
        });
        if index >= INDEX_LIMIT {
            regs.slab.remove(index);
            return Err(io::Error::other(
                "too many I/O resources registered at once",
            ));
        }
        self.sources.store(regs.slab.len(), Relaxed);
        Ok((io, (generation << INDEX_BITS) | index))
    }

    /// Registers a self-pipe (its read end, `fd`, which must live as long as
    /// this handle) with this reactor, if not yet done: from then on, each
    /// turn that sees it readable says so ([`Turn::self_pipe`]). True if this
    /// call registered it; the caller then drains the pipe once itself, for
    /// what was written before. Fails after shutdown.
    pub(crate) fn enable_self_pipe(&self, fd: RawFd) -> io::Result<bool> {
        let token = {
            let mut regs = lock(&self.registrations);
            if regs.self_pipe.is_some() {
                return Ok(false);
            }
            let (_, token) = self.insert(&mut regs, fd, "self-pipe")?;
            regs.self_pipe = Some(token);
            token
        };
        if let Err(e) = self.registry.register(fd, token, Interest::READABLE) {
            lock(&self.registrations).self_pipe = None;
            self.release(token);
            return Err(e);
        }
        Ok(true)
    }

    /// Deregisters `fd` (registered as `token`) and frees its slot. Events
    /// already read for it are dropped (module docs).
    pub(crate) fn deregister(&self, fd: RawFd, token: usize) -> io::Result<()> {
        let res = self.registry.deregister(fd);
        self.release(token);
        res
    }

    /// Frees the slot of `token`, if it is still that registration's.
    pub(crate) fn release(&self, token: usize) {
        let (index, generation) = split_token(token);
        let removed = {
            let mut regs = lock(&self.registrations);
            match regs.slab.get(index) {
                Some(reg) if reg.generation == generation => {
                    let removed = regs.slab.remove(index);
                    self.sources.store(regs.slab.len(), Relaxed);
                    Some(removed)
                }
                _ => None,
            }
        };
        drop(removed);
    }

    /// Wakes the thread parked in [`Driver::turn`] (or makes its next turn
    /// return at once).
    pub(crate) fn unpark(&self) {
        if let Err(e) = self.waker.wake() {
            // An eventfd write fails only if the counter is saturated, which
            // means a wake-up is pending anyway.
            debug_assert!(e.kind() == io::ErrorKind::WouldBlock, "{e}");
        }
    }

    /// The runtime shuts down: no new registrations; every resource wakes
    /// its waiters and reports an error from then on. True if a self-pipe
    /// was registered (its readers may wait elsewhere than in a slot of
    /// ours: the layer above wakes them).
    pub(crate) fn shutdown(&self) -> bool {
        let (ios, self_pipe): (Vec<Arc<ScheduledIo>>, bool) = {
            let mut regs = lock(&self.registrations);
            regs.is_shutdown = true;
            let ios = regs.slab.iter().map(|(_, reg)| reg.io.clone()).collect();
            (ios, regs.self_pipe.is_some())
        };
        for io in ios {
            io.shutdown();
        }
        self_pipe
    }

    /// What the resource of token `index` is, for a dump — `TcpStream
    /// 127.0.0.1:5000 → 127.0.0.1:40312` — if it is still registered with a
    /// generation whose low `generation_bits` are `generation` (so that a
    /// reused index is not taken for it).
    pub(crate) fn describe(
        &self,
        index: usize,
        generation: usize,
        generation_bits: u32,
    ) -> Option<String> {
        let regs = lock(&self.registrations);
        let reg = regs.slab.get(index)?;
        let mask = (1usize << generation_bits) - 1;
        if reg.generation & mask != generation & mask {
            return None;
        }
        // Under the lock: the descriptor stays open (and this resource's)
        // while it is registered.
        Some(describe_fd(reg.fd, reg.kind))
    }

    /// Has the runtime shut down?
    pub(crate) fn is_shutdown(&self) -> bool {
        lock(&self.registrations).is_shutdown
    }

    /// Resources registered now.
    pub(crate) fn num_sources(&self) -> usize {
        self.sources.load(Relaxed)
    }

    /// Any resource registered? A hint, read without the lock: a running
    /// thread's maintenance skips the poll system call when none is.
    pub(crate) fn has_sources(&self) -> bool {
        self.sources.load(Relaxed) > 0
    }

    /// Events delivered so far.
    pub(crate) fn ready_count(&self) -> u64 {
        self.ready_count.load(Relaxed)
    }

    /// Models: the OS reports `ready` for `token`.
    #[cfg(all(test, loom))]
    pub(crate) fn inject(&self, token: usize, ready: Ready) {
        self.registry.inject(token, ready);
    }

    /// Models: `(unparks made, timeout of the last poll)` ([`sys`]).
    #[cfg(all(test, loom))]
    pub(crate) fn observed(&self) -> (usize, Option<Option<std::time::Duration>>) {
        self.registry.observed()
    }
}

/// `kind` and, for a socket, its addresses: `TcpStream 127.0.0.1:5000 →
/// 127.0.0.1:40312`. `fd` must be open.
fn describe_fd(fd: RawFd, kind: &'static str) -> String {
    use std::os::fd::BorrowedFd;
    // SAFETY: the caller guarantees `fd` is open for this call (the
    // registrations lock is held, and its owner closes it only after
    // deregistering, which takes that lock).
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    let sock = socket2::SockRef::from(&fd);
    let show = |a: socket2::SockAddr| match (a.as_socket(), a.as_pathname()) {
        (Some(a), _) => a.to_string(),
        (None, Some(p)) => p.display().to_string(),
        (None, None) => "(unnamed)".to_owned(),
    };
    match (sock.local_addr(), sock.peer_addr()) {
        (Ok(l), Ok(p)) => format!("{kind} {} → {}", show(l), show(p)),
        (Ok(l), Err(_)) => format!("{kind} {}", show(l)),
        // Not a socket (a pipe, a pidfd), or one the OS no longer names.
        (Err(_), _) => kind.to_owned(),
    }
}

/// What a resource of type `E` is called in dumps: the type's own name
/// (`TcpStream`, `UdpSocket`, ...), `pipe` for a child's stdio.
pub(crate) fn resource_kind<E>() -> &'static str {
    let full = std::any::type_name::<E>();
    let path = full.split('<').next().unwrap_or(full);
    match path.rsplit("::").next().unwrap_or(path) {
        "Sender" | "Receiver" => "pipe",
        "OwnedFd" => "descriptor",
        name => name,
    }
}

/// The reactor of the runtime this thread runs in, if any.
pub(crate) fn current_handle() -> Option<Arc<Handle>> {
    crate::context::with_current(|h| h.map(|h| h.io().clone()))
}

/// What an operation on a resource of a runtime that shut down returns.
pub(crate) fn shut_down_error() -> io::Error {
    io::Error::other(
        "the runtime this I/O resource belongs to has shut down: create the resource \
         on a running runtime",
    )
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("io::Handle")
            .field("sources", &self.num_sources())
            .field("ready_count", &self.ready_count())
            .finish()
    }
}
