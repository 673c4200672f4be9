//! Signals: [`ctrl_c`] and, on Unix, [`unix::signal`] — asyncio's
//! `loop.add_signal_handler` and `KeyboardInterrupt`, as tokio spells them.
//!
//! ```no_run
//! use runtime::signal::unix::{signal, SignalKind};
//!
//! # let rt = runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! let mut hangup = signal(SignalKind::hangup())?;
//! runtime::spawn(async move {
//!     while hangup.recv().await.is_some() {
//!         println!("SIGHUP: reloading the configuration");
//!     }
//! });
//! runtime::signal::ctrl_c().await?;
//! println!("Ctrl-C: shutting down");
//! # Ok::<(), std::io::Error>(())
//! # });
//! ```
//!
//! asyncio's `loop.add_signal_handler(SIGHUP, callback)` becomes a task that
//! loops on [`Signal::recv`](unix::Signal::recv), as above; a program that
//! runs until Ctrl-C, as `loop.run_forever()` does until
//! `KeyboardInterrupt`, uses [`Runtime::run_forever`](crate::Runtime::run_forever).
//!
//! # How deliveries reach listeners
//!
//! The first listener for a signal installs a program-wide handler for it
//! (through `signal-hook-registry`, which chains to a handler installed
//! before) that only notes the signal and writes a byte to a pipe; the
//! pipe is watched by the reactor of each runtime that a listener was made
//! or polled on, whose driver wakes every listener of the signal. So:
//!
//! * any number of listeners per signal, on any runtimes, all woken;
//! * a delivery while a listener is busy elsewhere is kept for its next
//!   `recv`, and several are kept as one — a listener learns "the signal
//!   came at least once since you last looked", not how often (the OS
//!   merges pending signals the same way);
//! * a listener made after a delivery does not see it;
//! * a delivery that arrives while the *first* listener for its signal is
//!   being made, in the microseconds between `signal-hook-registry` setting
//!   the handler with the OS and publishing what it runs, is lost: neither
//!   a listener nor the default action sees it (tokio, on the same crate,
//!   has the same window). Once [`unix::signal`] has returned, nothing is
//!   lost, so a program that tells another program it is ready for a
//!   signal should say so after its listener is made;
//! * once a signal has a handler, its default action (for `SIGINT`: ending
//!   the program) is gone for the program's life, even with no listener
//!   left — as with tokio's signals.
//!
//! A listener needs one of those runtimes to be running (a task on it, or
//! a `block_on`). After the runtime it was made on shuts down, `recv`
//! returns `None`; making a listener outside a runtime, or on one that shut
//! down, is an error.

pub(crate) mod driver;
mod kind;
pub(crate) mod registry;
pub mod unix;

pub(crate) use registry::{dispatched, watch};

/// Waits for Ctrl-C (`SIGINT`): tokio's `signal::ctrl_c`.
///
/// The listener is made when the future is first polled; from then on,
/// Ctrl-C no longer ends the program (see the [module docs](self)). Await
/// it in `main` to shut down gracefully, or use
/// [`Runtime::run_forever`](crate::Runtime::run_forever).
///
/// ```no_run
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// runtime::spawn(async { /* serve */ });
/// runtime::signal::ctrl_c().await.expect("listening for Ctrl-C");
/// println!("bye");
/// # });
/// ```
///
/// # Errors
/// Outside a runtime; if the runtime shuts down meanwhile; if the OS
/// refused the handler.
pub async fn ctrl_c() -> std::io::Result<()> {
    let mut sigint = unix::signal(unix::SignalKind::interrupt())?;
    match sigint.recv().await {
        Some(()) => Ok(()),
        None => Err(std::io::Error::other(
            "the runtime waiting for Ctrl-C shut down before it came",
        )),
    }
}
