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

/// Locks `m`, ignoring poisoning: no code in this crate panics while holding
/// one of its locks (user code and wakers always run after the guard is
/// dropped), so a poisoned lock still guards consistent data.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
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
        None => (cv.wait(guard).unwrap_or_else(|e| e.into_inner()), false),
        Some(deadline) => {
            let now = Instant::now();
            if now >= deadline {
                return (guard, true);
            }
            let (guard, _) = cv
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(|e| e.into_inner());
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
    (cv.wait(guard).unwrap_or_else(|e| e.into_inner()), false)
}
