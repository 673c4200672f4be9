//! [`Runtime::run_forever`]: asyncio's `loop.run_forever()`, ended by
//! [`Handle::stop`](super::Handle::stop) or Ctrl-C.

use super::Runtime;
use crate::signal::unix::{Signal, SignalKind};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

/// What ended [`Runtime::run_forever`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunForever {
    /// [`Handle::stop`](super::Handle::stop) was called.
    Stopped,
    /// Ctrl-C (`SIGINT`) arrived: asyncio's `KeyboardInterrupt`.
    CtrlC,
}

impl Runtime {
    /// Runs the runtime's tasks until [`Handle::stop`](super::Handle::stop)
    /// is called or Ctrl-C (`SIGINT`) arrives, and says which: asyncio's
    /// `loop.run_forever()`, and its `KeyboardInterrupt`.
    ///
    /// The calling thread blocks as in [`block_on`](Self::block_on) (for the
    /// current-thread flavor, it is the thread that runs the tasks). On
    /// return the tasks are still there, paused or running on the workers:
    /// dropping the runtime cancels them, or call `run_forever` or
    /// `block_on` again to go on. A stop made before the call makes it
    /// return at once (see [`Handle::stop`](super::Handle::stop)).
    ///
    /// Ctrl-C is listened for from the call on, through
    /// [`signal`](crate::signal); after that, Ctrl-C no longer ends the
    /// process by itself, even once `run_forever` returned (see the signal
    /// module docs): a program that goes on after it should watch for
    /// Ctrl-C itself. If the listener cannot be installed (the OS refuses),
    /// `run_forever` reports it through `tracing` and runs until stopped.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use runtime::{RunForever, Runtime};
    ///
    /// let rt = Runtime::new().unwrap();
    /// rt.spawn(async {
    ///     loop {
    ///         println!("tick");
    ///         runtime::time::sleep(Duration::from_secs(1)).await;
    ///     }
    /// });
    /// match rt.run_forever() {
    ///     RunForever::CtrlC => println!("interrupted: cancelling the tasks"),
    ///     RunForever::Stopped => println!("stopped"),
    /// }
    /// // Dropping `rt` cancels the ticking task.
    /// ```
    ///
    /// # Panics
    /// If called from inside a runtime, as `block_on`.
    #[track_caller]
    pub fn run_forever(&self) -> RunForever {
        let inner = &self.handle.inner;
        let mut ctrl_c = match Signal::with_runtime(SignalKind::interrupt(), inner.io().clone()) {
            Ok(sig) => Some(sig),
            Err(e) => {
                tracing::warn!(
                    "`run_forever` cannot listen for Ctrl-C ({e}); it runs until stopped"
                );
                None
            }
        };
        self.block_on(async {
            let mut stopped = pin!(inner.common().stop.notified());
            poll_fn(|cx| {
                // A stop first: a pending stop wins over Ctrl-C.
                if stopped.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(RunForever::Stopped);
                }
                if let Some(sig) = &mut ctrl_c {
                    if let Poll::Ready(Some(())) = sig.poll_recv(cx) {
                        return Poll::Ready(RunForever::CtrlC);
                    }
                }
                Poll::Pending
            })
            .await
        })
    }
}
