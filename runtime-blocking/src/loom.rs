//! The one door to synchronization primitives, for this crate and for
//! `runtime-core` (which re-exports it as its own `loom` module).
//!
//! Every atomic, `UnsafeCell`, mutex, condition variable, `Arc` that guards
//! shared protocol state, thread spawn and thread-local in either crate is
//! named through this module. Normally it re-exports `std`; under
//! `RUSTFLAGS="--cfg loom"` it re-exports [loom](https://docs.rs/loom)'s
//! model-checked versions, so the loom models (each crate's `src/tests/`)
//! explore every interleaving of the real code, not of a copy.
//!
//! **Internal**: `pub` only so that `runtime-core` can reach it, hidden from
//! the docs, and not part of this crate's API.
//!
//! Two things cannot be modelled and are swapped here rather than `#[cfg]`'d
//! across the crates:
//!
//! * time: under loom a condition-variable wait never times out (loom has no
//!   clock), so bounded waits are unbounded and idle threads only leave when
//!   told to. [`wait_until`] hides the difference.
//! * `OnceLock`: loom has none; it is `std`'s under both.
//!
//! (Each crate's run queues are not loom-aware either — crossbeam's — and
//! have a stand-in of their own: the `queue` module of each.)
//!
//! # Poisoned locks
//!
//! **Locking a poisoned lock panics**, through [`lock`] and [`wait_until`],
//! with a message saying so. No user code runs under a runtime lock (not a
//! future, closure, hook, waker `clone`/`wake`/`drop`, nor the drop of a
//! value or an output), so a lock is poisoned only if the runtime's own code
//! panicked half-way through an update: its data can no longer be trusted
//! (unsafe code in `runtime-core` relies on some of it: the task registry's
//! slots hold counted task references), and carrying on would turn one bug
//! into silent wrong answers. loom's mutexes never poison.

#[cfg(not(loom))]
mod imp {
    pub use std::sync::{atomic, Arc, Condvar, Mutex, MutexGuard};
    pub use std::{thread, thread_local};

    /// `UnsafeCell` with loom's closure API.
    pub mod cell {
        /// `std`'s `UnsafeCell` with loom's closure API, so call sites read
        /// the same under both configurations and loom can track every
        /// access.
        #[derive(Debug)]
        pub struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

        impl<T> UnsafeCell<T> {
            /// A cell holding `value`.
            pub const fn new(value: T) -> UnsafeCell<T> {
                UnsafeCell(std::cell::UnsafeCell::new(value))
            }

            /// Calls `f` with a pointer for reading.
            #[inline(always)]
            pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
                f(self.0.get())
            }

            /// Calls `f` with a pointer for writing.
            #[inline(always)]
            pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
                f(self.0.get())
            }
        }
    }
}

#[cfg(loom)]
mod imp {
    pub use loom::sync::{atomic, Arc, Condvar, Mutex, MutexGuard};
    pub use loom::{thread, thread_local};

    /// loom's `UnsafeCell`.
    pub mod cell {
        pub use loom::cell::UnsafeCell;
    }
}

pub use imp::*;
/// loom has no `OnceLock` (module docs); nothing that uses one is modelled.
pub use std::sync::OnceLock;

use std::time::Instant;

/// How many times an idle thread looks for work (yielding its core in
/// between) before it goes to sleep: a blocking-pool thread between jobs,
/// a worker while blocking jobs are in flight. Under loom one look keeps
/// the spin path covered without multiplying the state space.
#[cfg(not(loom))]
pub const SPIN_ROUNDS: u32 = 64;
/// Under loom (see the normal build's docs).
#[cfg(loom)]
pub const SPIN_ROUNDS: u32 = 1;

/// Locks `m`. Panics if it is poisoned: see "Poisoned locks" in the module
/// docs.
#[track_caller]
#[inline]
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
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
        "a runtime lock is poisoned: runtime code panicked while holding it, which is a bug \
         in the runtime (no user code runs under its locks)"
    )
}

/// Waits on `cv` until notified, or until `deadline` passes (`None`: no
/// deadline). Returns the guard and whether the deadline has passed.
/// Spurious wake-ups happen; callers re-check their condition in a loop,
/// and a deadline fixed once is never extended by them.
#[cfg(not(loom))]
pub fn wait_until<'a, T>(
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
pub fn wait_until<'a, T>(
    cv: &Condvar,
    guard: MutexGuard<'a, T>,
    _deadline: Option<Instant>,
) -> (MutexGuard<'a, T>, bool) {
    (cv.wait(guard).unwrap_or_else(|_| poisoned()), false)
}
