//! How a file operation reaches the blocking pool: through the runtime of
//! the thread that polls it, or an `io::Error` where there is none.

use crate::task::waits::{self, WaitOn};
use crate::task::JoinError;
use crate::{Handle, TryCurrentError};
use std::io;

/// The runtime to run a file operation on: the current one.
pub(super) fn runtime() -> io::Result<Handle> {
    Handle::try_current().map_err(|e: TryCurrentError| {
        io::Error::other(format!("`runtime::fs` needs a runtime to run on: {e}"))
    })
}

/// Runs `f` on the current runtime's blocking pool and returns its result.
/// `what` is what a dump says the waiting task waits on:
/// `I/O on the blocking pool (fs::read)`.
pub(super) async fn asyncify<F, T>(what: &'static str, f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    let job = runtime()?.spawn_blocking(f);
    waits::waiting_on(WaitOn::Label(what), job)
        .await
        .unwrap_or_else(|e| Err(join_error(e)))
}

/// A blocking job that did not return: it was cancelled because the runtime
/// shut down (an `io::Error`), or it panicked (the panic goes on unwinding
/// in the caller, as a panic in a synchronous `std::fs` call would).
pub(super) fn join_error(e: JoinError) -> io::Error {
    if e.is_panic() {
        std::panic::resume_unwind(e.into_panic());
    }
    io::Error::other("the runtime shut down before the file operation ran")
}
