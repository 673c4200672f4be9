//! A parker: one thread sleeps in `park` until another calls `unpark`.
//!
//! States: `EMPTY` (no token), `PARKED` (the owner sleeps on the condvar),
//! `NOTIFIED` (a token is waiting). `unpark` always leaves a token, so an
//! unpark that races ahead of `park` is never lost: `park` consumes it and
//! returns at once. The mutex is taken on the slow path only; `unpark` locks it
//! before `notify_one` so the sleeper cannot miss the signal between its
//! check of the state and its wait. Spurious condvar wake-ups loop back,
//! and `park_timeout` then waits only for what is left of its timeout.
//! SeqCst on the state makes each unpark→park pair a full synchronization, so
//! everything the waker wrote before `unpark` is visible after `park`.

use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::{Condvar, Mutex};
use std::time::{Duration, Instant};

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;

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

    /// Blocks until `unpark` (or returns at once if a token is waiting).
    pub(crate) fn park(&self) {
        self.park_inner(None)
    }

    /// Like `park`, but returns after `timeout` at the latest.
    pub(crate) fn park_timeout(&self, timeout: Duration) {
        self.park_inner(Some(timeout))
    }

    fn park_inner(&self, timeout: Option<Duration>) {
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        // Fixed once: a spurious wake-up waits only for what is left of the
        // timeout, never for the whole timeout again. (A timeout too large
        // for an `Instant` is as good as none.)
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut guard = self.lock.lock().unwrap();
        if let Err(actual) = self.state.compare_exchange(EMPTY, PARKED, SeqCst, SeqCst) {
            debug_assert_eq!(actual, NOTIFIED);
            self.state.store(EMPTY, SeqCst);
            return;
        }
        loop {
            guard = match deadline {
                None => self.cvar.wait(guard).unwrap(),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    let (g, res) = self.cvar.wait_timeout(guard, left).unwrap();
                    if res.timed_out() || Instant::now() >= deadline {
                        // Whatever happened, leave without a token.
                        self.state.store(EMPTY, SeqCst);
                        return;
                    }
                    g
                }
            };
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return;
            }
        }
    }

    /// A token is waiting: `park` would return at once.
    pub(crate) fn is_notified(&self) -> bool {
        self.state.load(SeqCst) == NOTIFIED
    }

    /// Wakes the parked thread, or leaves a token for its next `park`.
    pub(crate) fn unpark(&self) {
        match self.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED => {
                drop(self.lock.lock().unwrap());
                self.cvar.notify_one();
            }
            _ => unreachable!(),
        }
    }
}

impl std::task::Wake for Parker {
    fn wake(self: std::sync::Arc<Self>) {
        self.unpark();
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.unpark();
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
                drop(p2.lock.lock().unwrap());
                p2.cvar.notify_one();
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        let start = Instant::now();
        parker.park_timeout(Duration::from_millis(100));
        let took = start.elapsed();
        done.store(true, SeqCst);
        noise.join().unwrap();
        assert!(took >= Duration::from_millis(100), "woke early: {took:?}");
        assert!(
            took < Duration::from_secs(10),
            "the timeout restarted at every spurious wake-up: {took:?}"
        );
    }
}
