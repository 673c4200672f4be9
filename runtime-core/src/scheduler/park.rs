//! A parker: one thread sleeps in `park` until another calls `unpark` —
//! on the runtime's driver if it can take it, else on a condition variable.
//!
//! States: `EMPTY` (no token), `PARKED_CONDVAR` (the owner sleeps on the
//! condvar), `PARKED_DRIVER` (the owner sleeps in the driver's OS poller),
//! `NOTIFIED` (a token is waiting). `unpark` always leaves a token, so an
//! unpark that races ahead of `park` is never lost: `park` consumes it and
//! returns at once. Then it wakes the sleeper the way it sleeps:
//!
//! * `PARKED_CONDVAR`: the mutex is taken on this slow path only; `unpark`
//!   locks it before `notify_one`, so the sleeper cannot miss the signal
//!   between its check of the state and its wait.
//! * `PARKED_DRIVER`: a `mio::Waker` write ([`Driver::unpark`]). The parker
//!   publishes `PARKED_DRIVER` (a CAS from `EMPTY` that fails if a token
//!   came) *before* it enters the poller, and the waker's event stays
//!   pending until the poller is next polled, so a wake written after the
//!   CAS but before the sleep makes the sleep return at once.
//!
//! A parker that took the driver returns after any event, timer or
//! spurious wake-up: its caller always re-checks why it woke. Condvar
//! wake-ups without a token loop back, and `park_timeout` then waits only
//! for what is left of its timeout. SeqCst on the state makes each
//! unpark→park pair a full synchronization, so everything the waker wrote
//! before `unpark` is visible after `park`.

use crate::driver::Driver;
use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::{lock, wait_until, Condvar, Mutex};
use std::time::{Duration, Instant};

const EMPTY: usize = 0;
const PARKED_CONDVAR: usize = 1;
const PARKED_DRIVER: usize = 2;
const NOTIFIED: usize = 3;

#[derive(Debug)]
pub(crate) struct Parker {
    state: AtomicUsize,
    lock: Mutex<()>,
    cvar: Condvar,
}

impl Parker {
    pub(crate) fn new() -> Parker {
        Parker {
            state: AtomicUsize::new(EMPTY),
            lock: Mutex::new(()),
            cvar: Condvar::new(),
        }
    }

    /// Blocks until `unpark` (or returns at once if a token is waiting), on
    /// a condition variable.
    pub(crate) fn park(&self) {
        self.park_condvar(None)
    }

    /// Sleeps until `unpark`, in `driver` if no other thread holds it (then
    /// also until an I/O event or the next timer, which it delivers), else
    /// on the condition variable; either way for at most `max`.
    pub(crate) fn park_on(&self, driver: &Driver, max: Option<Duration>) {
        if self.take_token() {
            return;
        }
        match driver.try_lock() {
            Some(parked) => {
                if let Err(actual) =
                    self.state
                        .compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst)
                {
                    debug_assert_eq!(actual, NOTIFIED);
                    self.state.store(EMPTY, SeqCst);
                    return;
                }
                parked.park(max);
                // Back: consume a token that came meanwhile, if any.
                self.state.swap(EMPTY, SeqCst);
            }
            None => self.park_condvar(max),
        }
    }

    fn take_token(&self) -> bool {
        self.state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
    }

    fn park_condvar(&self, timeout: Option<Duration>) {
        if self.take_token() {
            return;
        }
        // Fixed once: a spurious wake-up waits only for what is left of the
        // timeout, never for the whole timeout again. (A timeout too large
        // for an `Instant` is as good as none.)
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut guard = lock(&self.lock);
        if let Err(actual) = self
            .state
            .compare_exchange(EMPTY, PARKED_CONDVAR, SeqCst, SeqCst)
        {
            debug_assert_eq!(actual, NOTIFIED);
            self.state.store(EMPTY, SeqCst);
            return;
        }
        loop {
            let (g, timed_out) = wait_until(&self.cvar, guard, deadline);
            guard = g;
            if timed_out {
                // Whatever happened, leave without a token.
                self.state.store(EMPTY, SeqCst);
                return;
            }
            if self.take_token() {
                return;
            }
        }
    }

    /// A token is waiting: `park` would return at once.
    pub(crate) fn is_notified(&self) -> bool {
        self.state.load(SeqCst) == NOTIFIED
    }

    /// Wakes the parked thread, or leaves a token for its next `park`.
    /// `driver` is the one `park_on` may sleep in (`None` for a parker that
    /// only ever uses the condition variable).
    pub(crate) fn unpark(&self, driver: Option<&Driver>) {
        match self.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED_CONDVAR => {
                drop(lock(&self.lock));
                self.cvar.notify_one();
            }
            PARKED_DRIVER => driver
                .expect("a parker parked on a driver is unparked through it")
                .unpark(),
            _ => unreachable!(),
        }
    }
}

impl std::task::Wake for Parker {
    fn wake(self: std::sync::Arc<Self>) {
        self.unpark(None);
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.unpark(None);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;

    /// A condvar may wake its waiter with no notify at all (a spurious
    /// wake-up). Here another thread stands in for the OS: it signals the
    /// condvar every few milliseconds without leaving a token. The timeout
    /// still ends at its original deadline; restarting it at each wake-up
    /// would keep the parked thread asleep for as long as the noise lasts.
    #[test]
    fn spurious_wake_ups_do_not_extend_park_timeout() {
        let parker = Arc::new(Parker::new());
        let done = Arc::new(AtomicBool::new(false));
        let (p2, d2) = (parker.clone(), done.clone());
        let noise = std::thread::spawn(move || {
            let until = Instant::now() + Duration::from_secs(20);
            while !d2.load(SeqCst) && Instant::now() < until {
                drop(lock(&p2.lock));
                p2.cvar.notify_one();
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        let start = Instant::now();
        parker.park_condvar(Some(Duration::from_millis(100)));
        let took = start.elapsed();
        done.store(true, SeqCst);
        noise.join().unwrap();
        assert!(took >= Duration::from_millis(100), "woke early: {took:?}");
        assert!(
            took < Duration::from_secs(10),
            "the timeout restarted at every spurious wake-up: {took:?}"
        );
    }

    /// A thread parked in the driver's poller is woken by `unpark`, and an
    /// unpark that comes first leaves a token.
    #[test]
    fn unpark_reaches_a_thread_parked_on_the_driver() {
        let driver = Arc::new(Driver::new(false).unwrap());
        let parker = Arc::new(Parker::new());
        parker.unpark(Some(&driver));
        parker.park_on(&driver, None); // the token: returns at once
        let (d2, p2) = (driver.clone(), parker.clone());
        let t = std::thread::spawn(move || {
            while p2.state.load(SeqCst) != PARKED_DRIVER {
                std::thread::yield_now();
            }
            p2.unpark(Some(&d2));
        });
        parker.park_on(&driver, None);
        t.join().unwrap();
    }
}
