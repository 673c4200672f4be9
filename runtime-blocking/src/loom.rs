//! The crate's one door to synchronization primitives.
//!
//! Every atomic, mutex, condition variable, `Arc` that guards shared protocol
//! state, thread spawn and thread-local in this crate is named through this
//! module. Normally it re-exports `std`; under `RUSTFLAGS="--cfg loom"` it
//! re-exports [loom](https://docs.rs/loom)'s model-checked versions, so the
//! loom models in `src/tests/` explore every interleaving of the real code,
//! not of a copy.
//!
//! Two things cannot be modelled and are swapped here rather than `#[cfg]`'d
//! across the crate:
//!
//! * time: under loom a condition-variable wait never times out (loom has no
//!   clock), so idle threads only leave on shutdown, and bounded waits are
//!   unbounded. [`wait_until`] hides the difference.
//! * the job queue (crossbeam-channel is not loom-aware): see `queue.rs`.
//!
//! # Poisoned locks
//!
//! One policy for both crates' shims (`runtime-core/src/loom.rs` says the
//! same): **locking a poisoned lock panics.** No user code runs under a
//! runtime lock (not a closure, hook, waker `clone`/`wake`/`drop`, nor the
//! drop of a value), so a lock is poisoned only if the runtime's own code
//! panicked half-way through an update: its data can no longer be trusted,
//! and carrying on would turn one bug into silent wrong answers (a job
//! stranded, a count that never reaches zero). Here [`lock`] and
//! [`wait_until`] panic with a message saying so; `runtime-core` spells the
//! same policy `.lock().unwrap()`. (loom's mutexes never poison.)

#[cfg(not(loom))]
pub(crate) use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Condvar, Mutex, MutexGuard,
    },
    thread, thread_local,
};

#[cfg(loom)]
pub(crate) use loom::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Condvar, Mutex, MutexGuard,
    },
    thread, thread_local,
};

use std::time::Instant;

/// How many times an idle thread looks at the queue (yielding its core in
/// between) before it goes to sleep. Under loom one look keeps the spin path
/// covered without multiplying the state space.
#[cfg(not(loom))]
pub(crate) const SPIN_ROUNDS: u32 = 64;
#[cfg(loom)]
pub(crate) const SPIN_ROUNDS: u32 = 1;

/// Locks `m`. Panics if it is poisoned: see "Poisoned locks" in the module
/// docs.
#[track_caller]
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(guard) => guard,
        Err(_) => poisoned(),
    }
}

/// The poison policy (module docs), for a lock or a condition-variable wait.
#[cold]
#[track_caller]
fn poisoned() -> ! {
    panic!(
        "a runtime-blocking lock is poisoned: pool code panicked while holding it, \
         which is a bug in runtime-blocking (no user code runs under its locks)"
    )
}

/// Waits on `cv` until notified, or until `deadline` passes (`None`: no
/// deadline). Returns the guard and whether the deadline has passed. Spurious
/// wake-ups happen; callers re-check their condition in a loop.
#[cfg(not(loom))]
pub(crate) fn wait_until<'a, T>(
    cv: &Condvar,
    guard: MutexGuard<'a, T>,
    deadline: Option<Instant>,
) -> (MutexGuard<'a, T>, bool) {
    match deadline {
        None => (cv.wait(guard).unwrap_or_else(|_| poisoned()), false),
        Some(deadline) => {
            let now = Instant::now();
            if now >= deadline {
                return (guard, true);
            }
            let (guard, _) = cv
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(|_| poisoned());
            (guard, Instant::now() >= deadline)
        }
    }
}

/// Under loom time does not pass: the wait ends only on a notification.
#[cfg(loom)]
pub(crate) fn wait_until<'a, T>(
    cv: &Condvar,
    guard: MutexGuard<'a, T>,
    _deadline: Option<Instant>,
) -> (MutexGuard<'a, T>, bool) {
    (cv.wait(guard).unwrap_or_else(|_| poisoned()), false)
}
