//! [`Executor`] and [`Timer`]: what hyper asks of a runtime, on this one.

use crate::runtime::Handle;
use crate::time::{Instant, Sleep};
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// hyper's [`rt::Executor`](::hyper::rt::Executor) on this runtime: every
/// future hyper hands it (an HTTP/2 stream, a client connection's
/// background task) becomes a named task on the workers, listed by
/// [`task::all_tasks`](crate::task::all_tasks) and the dump and reported
/// like any other — the part of tokio's `TokioExecutor` that hyper needs.
///
/// [`Executor::new`] spawns on the runtime current where hyper calls it
/// (panicking outside one, as [`spawn`](crate::spawn) does);
/// [`Executor::on`] pins it to one runtime, for a client shared with
/// threads that are not the runtime's.
///
/// ```
/// use runtime::hyper::{Connector, Executor, Timer};
///
/// let client = hyper_util::client::legacy::Client::builder(Executor::new())
///     .timer(Timer::new())
///     .build::<_, String>(Connector::new());
/// # drop(client);
/// ```
#[derive(Clone)]
pub struct Executor {
    /// `None`: the runtime current at each `execute`.
    handle: Option<Handle>,
    name: Arc<str>,
}

impl Executor {
    /// Spawns on the current runtime; tasks are named `hyper`.
    pub fn new() -> Executor {
        Executor {
            handle: None,
            name: Arc::from("hyper"),
        }
    }

    /// Spawns on `handle`'s runtime, from whatever thread hyper calls it.
    pub fn on(handle: Handle) -> Executor {
        Executor {
            handle: Some(handle),
            ..Executor::new()
        }
    }

    /// Names the tasks it spawns (default `hyper`), so the dump tells one
    /// client's tasks from another's.
    pub fn name(mut self, name: &str) -> Executor {
        self.name = Arc::from(name);
        self
    }
}

impl Default for Executor {
    fn default() -> Executor {
        Executor::new()
    }
}

impl fmt::Debug for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executor")
            .field("name", &self.name)
            .field("pinned", &self.handle.is_some())
            .finish()
    }
}

impl<F> ::hyper::rt::Executor<F> for Executor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    /// Spawns `fut` as a task named after this executor.
    fn execute(&self, fut: F) {
        let name = Some(Box::from(&*self.name));
        let at = Location::caller();
        match &self.handle {
            Some(handle) => {
                crate::task::spawn_maybe_boxed!(fut: F, handle.spawn_named(fut, name, at));
            }
            None => {
                let inner = crate::context::current_or_panic(format_args!(
                    "`runtime::hyper::Executor` (spawning a task for hyper) was used"
                ));
                let handle = Handle { inner };
                crate::task::spawn_maybe_boxed!(fut: F, handle.spawn_named(fut, name, at));
            }
        }
    }
}

/// hyper's [`rt::Timer`](::hyper::rt::Timer) on this runtime's clock
/// ([`time::sleep`](crate::time::sleep)): header-read timeouts, keep-alive
/// pings, the client pool's idle timeout. It follows paused time, so a test
/// on `#[runtime::test(start_paused = true)]` sees hyper's timeouts fire
/// without waiting for them.
///
/// ```
/// let builder = hyper::server::conn::http1::Builder::new()
///     .timer(runtime::hyper::Timer::new())
///     .header_read_timeout(std::time::Duration::from_secs(5))
///     .clone();
/// # drop(builder);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Timer {
    _private: (),
}

impl Timer {
    /// The timer (it holds nothing: timers bind to the runtime whose task
    /// first polls them).
    pub fn new() -> Timer {
        Timer { _private: () }
    }
}

/// A [`Sleep`] as hyper's [`rt::Sleep`](::hyper::rt::Sleep).
struct HyperSleep(Sleep);

impl Future for HyperSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl ::hyper::rt::Sleep for HyperSleep {}

impl ::hyper::rt::Timer for Timer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn ::hyper::rt::Sleep>> {
        Box::pin(HyperSleep(crate::time::sleep(duration)))
    }

    fn sleep_until(&self, deadline: std::time::Instant) -> Pin<Box<dyn ::hyper::rt::Sleep>> {
        Box::pin(HyperSleep(crate::time::sleep_until(Instant::from_std(
            deadline,
        ))))
    }

    /// The runtime's clock ([`time::Instant::now`](Instant::now)), paused
    /// or not, so hyper's deadlines and this timer agree.
    fn now(&self) -> std::time::Instant {
        Instant::now().into_std()
    }

    /// Re-arms the same timer in place (no new allocation) when it is one
    /// of this timer's.
    fn reset(
        &self,
        sleep: &mut Pin<Box<dyn ::hyper::rt::Sleep>>,
        new_deadline: std::time::Instant,
    ) {
        match sleep.as_mut().downcast_mut_pin::<HyperSleep>() {
            Some(mut ours) => ours.0.reset(Instant::from_std(new_deadline)),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}
