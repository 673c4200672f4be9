//! The one `JoinError` and task `Id` a user sees, whichever crate ran the work.
//!
//! Users meet them as `runtime::task::{Id, JoinError}`. They are defined in
//! this, the lowest crate, because the dependency direction is `runtime` ->
//! `runtime-core` -> `runtime-blocking`: the scheduler's `task` module
//! re-exports them, so an async task and a blocking job fail with the very
//! same type.

use std::any::Any;
use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::internal::{self, Panicked};

/// The identity of a task or blocking job: unique for the life of the process
/// (and so per runtime), never reused.
///
/// ```
/// let rt = runtime::Runtime::new().unwrap();
/// let (a, b) = (rt.spawn(async {}), rt.spawn(async {}));
/// assert_ne!(a.id(), b.id());
/// assert!(format!("{}", a.id()).parse::<u64>().is_ok());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(NonZeroU64);

impl Id {
    /// Hands out a fresh id. Ids come from one process-wide counter, so ids of
    /// tasks and of blocking jobs never collide.
    #[doc(hidden)]
    pub fn next() -> Id {
        // Relaxed: only uniqueness matters, which the atomic RMW alone gives.
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Id(NonZeroU64::new(n).expect("task id counter wrapped around"))
    }

    /// The id with this number, if it could be one (not zero).
    #[doc(hidden)]
    pub fn from_u64(n: u64) -> Option<Id> {
        NonZeroU64::new(n).map(Id)
    }

    /// The id as a number, e.g. for logs.
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

/// Why awaiting a task (or blocking job) gave no value: it was cancelled, or it
/// panicked. asyncio's `CancelledError` and "the exception the task raised".
pub struct JoinError {
    id: Id,
    repr: Repr,
}

/// One word and a tag: a `JoinError` sits in every task's cell (its output
/// is a `Result<T, JoinError>`), so the rare variants keep their data behind
/// a thin `Box` and a cell with a small future stays small.
enum Repr {
    Cancelled,
    /// Cancelled for a reason worth telling the user, e.g. `could not start a
    /// blocking thread: <os error>`. Still a cancellation (`is_cancelled()`).
    /// A `Box<String>` because it is one word; a `String` would be three.
    #[allow(clippy::box_collection)]
    CancelledWith(Box<String>),
    /// A `Mutex` makes the (only `Send`) payload `Sync`, so `JoinError` can be
    /// boxed as `dyn Error + Send + Sync`; it is only ever locked by `into_panic`.
    Panic(Box<Mutex<Box<dyn Any + Send + 'static>>>),
}

impl JoinError {
    /// The error for a task or job that was cancelled before it finished.
    #[doc(hidden)]
    pub fn cancelled(id: Id) -> JoinError {
        JoinError {
            id,
            repr: Repr::Cancelled,
        }
    }

    /// The error for a task or job that was cancelled before it finished, with
    /// the reason shown by `Display` (e.g. the pool could not start a thread).
    /// [`is_cancelled`](Self::is_cancelled) is true.
    #[doc(hidden)]
    pub fn cancelled_with(id: Id, reason: impl Into<String>) -> JoinError {
        JoinError {
            id,
            repr: Repr::CancelledWith(Box::new(reason.into())),
        }
    }

    /// The error for a task or job that panicked with `payload`.
    #[doc(hidden)]
    pub fn panic(id: Id, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            id,
            repr: Repr::Panic(Box::new(Mutex::new(payload))),
        }
    }

    /// True if the task was aborted (or its runtime shut down) before finishing.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled | Repr::CancelledWith(_))
    }

    /// True if the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic payload, to inspect or re-raise with
    /// [`std::panic::resume_unwind`].
    ///
    /// # Panics
    /// If the error is not a panic (check [`is_panic`](Self::is_panic) first,
    /// or use [`try_into_panic`](Self::try_into_panic)).
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("`JoinError::into_panic` called on a cancellation; check `is_panic()` first")
    }

    /// The panic payload, or the error back if it is a cancellation.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(p) => Ok(p.into_inner().unwrap_or_else(|e| e.into_inner())),
            Repr::Cancelled | Repr::CancelledWith(_) => Err(self),
        }
    }

    /// The id of the task that failed.
    pub fn id(&self) -> Id {
        self.id
    }
}

/// The message of a panic payload, copied out so that no lock is held while a
/// formatter (user code) runs.
fn panic_message(payload: &Mutex<Box<dyn Any + Send + 'static>>) -> Option<String> {
    let payload = payload.lock().unwrap_or_else(|e| e.into_inner());
    internal::panic_message(&**payload).map(str::to_owned)
}

/// As tokio words it: `task 12 was cancelled`, `task 12 panicked`, `task 12
/// panicked with message "boom"`; a cancellation with a reason adds it.
impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = self.id;
        match &self.repr {
            Repr::Cancelled => write!(f, "task {id} was cancelled"),
            Repr::CancelledWith(reason) => write!(f, "task {id} was cancelled: {reason}"),
            Repr::Panic(p) => write!(f, "task {id} {}", Panicked(panic_message(p).as_deref())),
        }
    }
}

/// As tokio: `JoinError::Cancelled(Id(12))`, `JoinError::Panic(Id(12), ...)`,
/// `JoinError::Panic(Id(12), "boom", ...)`; a cancellation with a reason adds
/// it.
impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = self.id;
        match &self.repr {
            Repr::Cancelled => write!(f, "JoinError::Cancelled({id:?})"),
            Repr::CancelledWith(reason) => write!(f, "JoinError::Cancelled({id:?}, {reason:?})"),
            Repr::Panic(p) => match panic_message(p) {
                Some(msg) => write!(f, "JoinError::Panic({id:?}, {msg:?}, ...)"),
                None => write!(f, "JoinError::Panic({id:?}, ...)"),
            },
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(e: JoinError) -> std::io::Error {
        std::io::Error::other(e)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn cancelled_and_panic_render_and_classify() {
        let id = Id::next();
        let c = JoinError::cancelled(id);
        assert!(c.is_cancelled() && !c.is_panic());
        assert_eq!(c.to_string(), format!("task {id} was cancelled"));
        let p = JoinError::panic(id, Box::new("boom"));
        assert!(p.is_panic());
        assert!(p.to_string().contains("boom"));
        assert_eq!(*p.into_panic().downcast::<&str>().unwrap(), "boom");
        let p = JoinError::panic(id, Box::new(7_u8));
        assert_eq!(p.to_string(), format!("task {id} panicked"));
        assert_eq!(format!("{p:?}"), format!("JoinError::Panic({id:?}, ...)"));
    }

    #[test]
    fn cancellation_with_reason_is_still_a_cancellation() {
        let id = Id::next();
        let e = JoinError::cancelled_with(id, "could not start a blocking thread: out of memory");
        assert!(e.is_cancelled() && !e.is_panic());
        assert_eq!(
            e.to_string(),
            format!("task {id} was cancelled: could not start a blocking thread: out of memory")
        );
        assert!(format!("{e:?}").contains("out of memory"));
        assert!(e.try_into_panic().is_err());
    }

    #[test]
    fn join_error_is_three_words() {
        // It sits in every task cell; see `Repr`.
        assert!(std::mem::size_of::<JoinError>() <= 3 * std::mem::size_of::<usize>());
    }

    #[test]
    fn join_error_is_send_sync_error() {
        fn check<E: std::error::Error + Send + Sync + 'static>() {}
        check::<JoinError>();
    }
}
