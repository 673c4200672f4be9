use std::fmt;
use std::num::NonZeroU64;

/// A runtime's identity: unique among the runtimes this process has built
/// (never reused), tokio's `runtime::Id`. Get it from
/// [`Handle::id`](crate::Handle::id); it displays as a number.
///
/// ```
/// let a = runtime::Builder::new_current_thread().build().unwrap();
/// let b = runtime::Builder::new_current_thread().build().unwrap();
/// assert_ne!(a.handle().id(), b.handle().id());
/// assert_eq!(a.handle().id(), a.handle().clone().id());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Id(NonZeroU64);

impl Id {
    pub(crate) fn next() -> Id {
        // Not a synchronization protocol, only a counter: a plain std atomic
        // (a loom one cannot live in a `static`).
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Id(NonZeroU64::new(n).expect("runtime ids ran out"))
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
