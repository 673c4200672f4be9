//! The one door to synchronization primitives.
//!
//! Every atomic, `UnsafeCell`, `Mutex`, `Condvar`, thread spawn and thread-local
//! in this crate comes through here: `std` normally, `loom` under `--cfg loom`,
//! so the model checker sees every access the protocols make.
//!
//! # Poisoned locks
//!
//! One policy for both crates' shims (`runtime-blocking/src/loom.rs` says the
//! same): **locking a poisoned lock panics**, which this crate spells
//! `.lock().unwrap()`. No user code runs under a runtime lock (not a future,
//! hook, waker `clone`/`wake`/`drop`, nor the drop of an output), so a lock is
//! poisoned only if the runtime's own code panicked half-way through an
//! update. Its data can no longer be trusted (unsafe code relies on some of
//! it: the task registry's slots hold counted task references), so nobody
//! carries on with it. loom's mutexes never poison.

#[cfg(not(loom))]
mod imp {
    pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
    pub(crate) use std::thread_local;

    pub(crate) mod atomic {
        pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};
    }

    pub(crate) mod thread {
        #[allow(unused_imports)] // spawn/yield_now: used by the loom models
        pub(crate) use std::thread::{current, spawn, yield_now, Builder, JoinHandle};
    }

    pub(crate) mod cell {
        /// `UnsafeCell` with loom's closure API, so call sites read the same
        /// under both configurations and loom can track every access.
        #[derive(Debug)]
        pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

        impl<T> UnsafeCell<T> {
            pub(crate) const fn new(value: T) -> UnsafeCell<T> {
                UnsafeCell(std::cell::UnsafeCell::new(value))
            }

            #[inline(always)]
            pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
                f(self.0.get())
            }

            #[inline(always)]
            pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
                f(self.0.get())
            }
        }
    }
}

#[cfg(loom)]
mod imp {
    pub(crate) use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
    pub(crate) use loom::thread_local;
    /// loom has no `OnceLock`. It binds an I/O resource to its runtime once
    /// (`io/poll_evented.rs`), which no model covers.
    pub(crate) use std::sync::OnceLock;

    pub(crate) mod atomic {
        pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};
    }

    pub(crate) mod thread {
        #[allow(unused_imports)]
        pub(crate) use loom::thread::{current, spawn, yield_now, Builder, JoinHandle};
    }

    pub(crate) mod cell {
        pub(crate) use loom::cell::UnsafeCell;
    }
}

pub(crate) use imp::*;
