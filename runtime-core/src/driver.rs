//! The runtime's driver: timers, signals, child processes and I/O behind
//! one park call.
//!
//! # The stack
//!
//! The driver is four layers, each calling only the one below, as tokio
//! composes its drivers:
//!
//! 1. [`crate::reactor`], at the bottom: the OS poller and the readiness
//!    slots of sockets and pipes. [`reactor::Driver::turn`] waits for
//!    events and delivers them, and says whether the *self-pipe* (a pipe a
//!    layer above writes to from a signal handler) was readable.
//! 2. time ([`crate::time::driver`]): the wheel. Its
//!    [`turn`](TimeDriver::turn) bounds the reactor's wait by the next
//!    timer and records, for inserts, how long the parked thread sleeps.
//! 3. signals ([`crate::signal::driver`]): after a turn of the layers below
//!    that saw the self-pipe readable, dispatches the signals that arrived.
//! 4. child processes ([`crate::process::driver`]): after a turn of the
//!    layers below, sweeps the orphan queue if a `SIGCHLD` was dispatched
//!    since its last sweep.
//!
//! This file holds the stack for one runtime: the shared halves (the time
//! wheel, the reactor's [`Handle`](reactor::Handle)) and the owned half
//! (the poller), which at most one thread holds at a time.
//!
//! # Who turns it
//!
//! A thread with nothing to run parks here if no other thread does
//! ([`Driver::try_lock`]): it sleeps in the OS poller until an I/O event,
//! the next timer, or [`Driver::unpark`] (a `mio::Waker` write), then
//! delivers the events and fires the due timers, waking their tasks — on
//! its own thread, so a worker finds them in its own queue. The
//! multi-thread flavor's other parked workers sleep on their condition
//! variables (`scheduler::park` decides which, and how an unpark reaches
//! either). Running threads keep events and timers moving between parks
//! with [`Driver::maintain`], every `global_queue_interval` ticks.
//!
//! The layers know nothing of workers or schedulers: this file is all they
//! see, and the scheduler sees only this file.

use crate::loom::atomic::{AtomicBool, Ordering::Relaxed};
use crate::loom::{Arc, Mutex, MutexGuard};
use crate::reactor;
use crate::time::driver::Driver as TimeDriver;
use std::time::Duration;

pub(crate) struct Driver {
    pub(crate) time: TimeDriver,
    pub(crate) io: Arc<reactor::Handle>,
    /// The OS poller: held by the thread parked on the driver, or briefly
    /// by a running thread's [`maintain`](Driver::maintain).
    poller: Mutex<reactor::Driver>,
    /// A thread sleeps in [`DriverLock::park`] (not a running thread's brief
    /// poll). Written under the poller's lock; read without it, as a hint,
    /// by the rescue of stuck workers (`scheduler::multi_thread::rescue`).
    parked: AtomicBool,
}

/// The right to turn the driver, held by at most one thread.
pub(crate) struct DriverLock<'a> {
    driver: &'a Driver,
    poller: MutexGuard<'a, reactor::Driver>,
}

impl Driver {
    pub(crate) fn new(start_paused: bool) -> std::io::Result<Driver> {
        let (poller, io) = reactor::Driver::new()?;
        Ok(Driver {
            time: TimeDriver::new(start_paused),
            io: Arc::new(io),
            poller: Mutex::new(poller),
            parked: AtomicBool::new(false),
        })
    }

    /// The driver, if no other thread holds it.
    pub(crate) fn try_lock(&self) -> Option<DriverLock<'_>> {
        let poller = self.poller.try_lock().ok()?;
        Some(DriverLock {
            driver: self,
            poller,
        })
    }

    /// A thread sleeps on the driver now (a hint).
    pub(crate) fn has_parked_thread(&self) -> bool {
        self.parked.load(Relaxed)
    }

    /// Wakes the thread parked on the driver, or makes its next park return
    /// at once.
    pub(crate) fn unpark(&self) {
        self.io.unpark();
    }

    /// A running thread's maintenance: delivers I/O events without sleeping
    /// (if any resource is registered and nobody is parked on the driver)
    /// and fires due timers. True if it woke anything.
    pub(crate) fn maintain(&self) -> bool {
        let mut woke = false;
        if self.io.has_sources() {
            woke = self.poll_io() > 0;
        }
        if self.time.is_due() {
            woke |= self.time.fire_due() > 0;
        }
        woke
    }

    /// Delivers ready I/O events without sleeping, if the driver is free.
    /// How many resources had events.
    pub(crate) fn poll_io(&self) -> usize {
        match self.try_lock() {
            Some(mut lock) => lock.turn(Some(Duration::ZERO)).delivered,
            None => 0,
        }
    }

    /// The runtime shuts down: every I/O resource wakes its waiters and
    /// fails from now on, and so does every signal listener of it.
    pub(crate) fn shutdown(&self) {
        crate::process::driver::shutdown(&self.io);
    }
}

impl DriverLock<'_> {
    /// One turn of the whole stack, top layer first (module docs).
    fn turn(&mut self, max: Option<Duration>) -> reactor::Turn {
        let d = self.driver;
        crate::process::driver::turn(&d.time, &mut self.poller, &d.io, max)
    }

    /// Sleeps until an I/O event, the next timer, `max` (`None`: no limit)
    /// or an unpark; then delivers the events and fires the due timers.
    pub(crate) fn park(mut self, max: Option<Duration>) {
        let parked = &self.driver.parked;
        parked.store(true, Relaxed);
        self.turn(max);
        parked.store(false, Relaxed);
        // Free the poller before waking timers' tasks: another thread may
        // park on it meanwhile.
        let driver = self.driver;
        drop(self);
        driver.time.fire_due();
    }
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("timers", &self.time.num_timers())
            .field("io", &self.io)
            .finish()
    }
}
