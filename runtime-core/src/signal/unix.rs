//! Unix signals: [`signal`] makes a [`Signal`] listener for a
//! [`SignalKind`] (tokio's `tokio::signal::unix`).

pub use super::kind::SignalKind;

use super::kind::name;
use super::registry::{self, Slot, NUM_SLOTS};
use crate::loom::Arc;
use crate::reactor;
use std::fmt;
use std::future::poll_fn;
use std::io::{Error, ErrorKind};
use std::task::{Context, Poll};

/// Listens for `kind` on the current runtime: from now on, each delivery of
/// the signal to the program makes [`Signal::recv`] return (see the
/// [module docs](super) for how deliveries are counted).
///
/// The first listener for a signal installs the program's handler for it,
/// which stays for the program's life: after that, the signal's default
/// action (for most, ending the program) no longer happens, even once every
/// listener is gone.
///
/// ```
/// use runtime::signal::unix::{signal, SignalKind};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let mut usr1 = signal(SignalKind::user_defined1())?;
/// // SAFETY: raising a signal that now has a handler.
/// unsafe { libc::raise(libc::SIGUSR1) };
/// usr1.recv().await; // returns: the signal arrived
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
///
/// # Errors
/// * A signal no program may listen for (`SIGKILL`, `SIGSTOP`, which the OS
///   does not let anyone catch, and `SIGILL`, `SIGFPE`, `SIGSEGV`, which
///   only the program's own faults raise), or a number that is no signal:
///   [`InvalidInput`](ErrorKind::InvalidInput), naming the signal.
/// * Called outside a runtime, or on one that shut down.
/// * The OS refused the handler (the message names the signal).
pub fn signal(kind: SignalKind) -> std::io::Result<Signal> {
    // A signal no one may listen for is refused for what it is, runtime or
    // not.
    check(kind)?;
    let rt = reactor::current_handle().ok_or_else(|| {
        Error::other(format!(
            "`signal::unix::signal({kind})` called outside a runtime: {}",
            crate::TryCurrentError::message()
        ))
    })?;
    Signal::with_runtime(kind, rt)
}

impl Signal {
    /// A listener for `kind` on the runtime of the reactor `rt`.
    pub(crate) fn with_runtime(
        kind: SignalKind,
        rt: Arc<reactor::Handle>,
    ) -> std::io::Result<Signal> {
        Signal::new(check(kind)?, rt)
    }
}

fn shut_down_error() -> Error {
    Error::other("cannot listen for a signal on a runtime that has shut down")
}

/// The signal's slot index, or why it cannot be listened for.
fn check(kind: SignalKind) -> std::io::Result<usize> {
    let signum = kind.as_raw_value();
    let why = if signum == libc::SIGKILL || signum == libc::SIGSTOP {
        "the OS lets no program catch it"
    } else if signal_hook_registry::FORBIDDEN.contains(&signum) {
        "only a fault of the program itself raises it, and a handler that \
         returns would run into the fault again"
    } else if signum < 1 || signum as usize >= NUM_SLOTS {
        "it is not a signal number (1 to 64)"
    } else {
        return Ok(signum as usize);
    };
    Err(Error::new(
        ErrorKind::InvalidInput,
        format!("cannot listen for {}: {why}", name(signum)),
    ))
}

/// A listener for one Unix signal, made by [`signal`]: tokio's
/// `signal::unix::Signal`.
///
/// Any number of listeners may exist for one signal, on any runtimes; each
/// delivery wakes them all. A delivery that arrives while a listener is not
/// waiting (between two `recv`s) is kept for its next `recv`; several such
/// deliveries are kept as one. A listener made after a delivery does not see
/// it.
pub struct Signal {
    kind: SignalKind,
    slot: &'static Slot,
    /// The slot's generation when this listener last returned from `recv`
    /// (or was made): a different one means news.
    seen: usize,
    /// This listener's entry in the slot's waiter list, for its life.
    key: usize,
    /// The reactor of the runtime it was made on. Once that runtime shut
    /// down, `recv` returns `None`.
    rt: Arc<reactor::Handle>,
}

impl Signal {
    /// A listener on `rt`'s runtime for the (checked) signal `signum`.
    fn new(signum: usize, rt: Arc<reactor::Handle>) -> std::io::Result<Signal> {
        if rt.is_shutdown() {
            return Err(shut_down_error());
        }
        registry::enable(&rt)?;
        // Start after every delivery so far (one whose byte is still in the
        // pipe included), but before the handler is installed: a delivery
        // caught by a handler this call installs is news to this listener.
        registry::dispatch_now();
        let slot = Slot::get(signum);
        let (seen, key) = {
            let mut state = slot.state();
            (state.generation, state.waiters.insert(None))
        };
        let signal = Signal {
            kind: SignalKind::from_raw(signum as libc::c_int),
            slot,
            seen,
            key,
            rt,
        };
        registry::install(signum)?;
        Ok(signal)
    }

    /// Waits for the next delivery of the signal (or returns at once if one
    /// arrived since the last `recv`). `None` once the runtime the listener
    /// was made on has shut down: no delivery can come any more.
    ///
    /// Cancel safe: dropping the future loses no delivery.
    pub async fn recv(&mut self) -> Option<()> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The `poll` form of [`recv`](Self::recv): `Ready(Some(()))` if the
    /// signal arrived since the last `Ready`, `Ready(None)` if the runtime
    /// shut down, else `Pending` with `cx`'s waker kept (only the latest
    /// caller's).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        // Polled on another runtime than its own: that runtime's reactor
        // watches the pipe too, in case this one is not running.
        crate::context::with_current(|h| match h {
            Some(h) if !Arc::ptr_eq(h.io(), &self.rt) => {
                let _ = registry::enable(h.io());
            }
            _ => {}
        });
        let waker = cx.waker().clone();
        let mut state = self.slot.state();
        if state.generation != self.seen {
            self.seen = state.generation;
            return Poll::Ready(Some(()));
        }
        let old = state.waiters[self.key].replace(waker);
        drop(state);
        drop(old);
        // After storing the waker: a shutdown that set the flag after this
        // read wakes it (`registry::wake_all`).
        if self.rt.is_shutdown() {
            return Poll::Ready(None);
        }
        crate::task::waits::record(crate::task::waits::WaitOn::Signal(self.kind.as_raw_value()));
        Poll::Pending
    }

    /// The signal this listener listens for.
    pub fn kind(&self) -> SignalKind {
        self.kind
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        let removed = self.slot.state().waiters.remove(self.key);
        drop(removed);
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal")
            .field("kind", &self.kind)
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}
