//! A parker: one thread sleeps in `park` until another calls `unpark`.
//!
//! States: `EMPTY` (no token), `PARKED` (the owner sleeps on the condvar),
//! `NOTIFIED` (a token is waiting). `unpark` always leaves a token, so an
//! unpark that races ahead of `park` is never lost: `park` consumes it and
//! returns at once. The mutex is taken on the slow path only; `unpark` locks it
//! before `notify_one` so the sleeper cannot miss the signal between its
//! check of the state and its wait. Spurious condvar wake-ups loop back.
//! SeqCst on the state makes each unpark→park pair a full synchronization, so
//! everything the waker wrote before `unpark` is visible after `park`.

use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::{Condvar, Mutex};
use std::time::Duration;

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
        let mut guard = self.lock.lock().unwrap();
        if let Err(actual) = self.state.compare_exchange(EMPTY, PARKED, SeqCst, SeqCst) {
            debug_assert_eq!(actual, NOTIFIED);
            self.state.store(EMPTY, SeqCst);
            return;
        }
        loop {
            guard = match timeout {
                None => self.cvar.wait(guard).unwrap(),
                Some(t) => {
                    let (g, res) = self.cvar.wait_timeout(guard, t).unwrap();
                    if res.timed_out() {
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
