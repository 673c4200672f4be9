//! The runtime's driver: timers and I/O behind one park call.
//!
//! A thread with nothing to run parks here if no other thread does
//! ([`Driver::try_lock`]): it sleeps in the OS poller until an I/O event,
//! the next timer, or [`Driver::unpark`] (a `mio::Waker` write), then
//! delivers the events and fires the due timers, waking their tasks — on its
//! own thread, so a worker finds them in its own queue. At most one thread
//! holds the driver; the multi-thread flavor's other parked workers sleep on
//! their condition variables (`scheduler/park.rs` decides which, and how an
//! unpark reaches either). Running threads keep events and timers moving
//! between parks with [`Driver::maintain`], every 61 ticks.
//!
//! `time/` and `io/` know nothing of workers or schedulers: the driver is
//! all they see, and the scheduler sees only this file.

use crate::io;
use crate::loom::{Arc, Mutex, MutexGuard};
use crate::time::driver::Driver as TimeDriver;
use std::time::Duration;

pub(crate) struct Driver {
    pub(crate) time: TimeDriver,
    pub(crate) io: Arc<io::Handle>,
    /// The OS poller: held by the thread parked on the driver, or briefly
    /// by a running thread's [`maintain`](Driver::maintain).
    poller: Mutex<io::Driver>,
}

/// The right to park on the driver, held by at most one thread.
pub(crate) struct Parked<'a> {
    driver: &'a Driver,
    poller: MutexGuard<'a, io::Driver>,
}

impl Driver {
    pub(crate) fn new(start_paused: bool) -> std::io::Result<Driver> {
        let (poller, io) = io::Driver::new()?;
        Ok(Driver {
            time: TimeDriver::new(start_paused),
            io: Arc::new(io),
            poller: Mutex::new(poller),
        })
    }

    /// The driver, if no other thread holds it.
    pub(crate) fn try_lock(&self) -> Option<Parked<'_>> {
        let poller = self.poller.try_lock().ok()?;
        Some(Parked {
            driver: self,
            poller,
        })
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
            if let Some(mut p) = self.try_lock() {
                woke = p.poller.turn(&self.io, Some(Duration::ZERO)) > 0;
            }
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
            Some(mut p) => p.poller.turn(&self.io, Some(Duration::ZERO)),
            None => 0,
        }
    }

    /// The runtime shuts down: every I/O resource wakes its waiters and
    /// fails from now on.
    pub(crate) fn shutdown(&self) {
        self.io.shutdown();
    }
}

impl Parked<'_> {
    /// Sleeps until an I/O event, the next timer, `max` (`None`: no limit)
    /// or an unpark; then delivers the events and fires the due timers.
    pub(crate) fn park(mut self, max: Option<Duration>) {
        let time = &self.driver.time;
        let timeout = time.park_begin(max);
        self.poller.turn(&self.driver.io, timeout);
        time.park_end();
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
