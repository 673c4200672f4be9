use super::RuntimeMetrics;
use crate::context;
use crate::scheduler;
use crate::task::{JoinHandle, Meta, TaskDump, TaskInfo};
use std::fmt;
use std::future::Future;
use std::panic::Location;

/// A cheap, cloneable reference to a runtime, for spawning onto it from
/// anywhere (other threads included).
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: scheduler::Handle,
}

impl Handle {
    /// The runtime this thread is running in.
    ///
    /// # Panics
    /// Outside a runtime, with a message saying how to get into one. Use
    /// [`try_current`](Self::try_current) to check instead.
    #[track_caller]
    pub fn current() -> Handle {
        Handle {
            inner: context::current_or_panic(format_args!("`Handle::current()` called")),
        }
    }

    /// The runtime this thread is running in, or an error outside one.
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::current()
            .map(|inner| Handle { inner })
            .ok_or(TryCurrentError(()))
    }

    /// Spawns a task on this runtime; see [`crate::spawn`].
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        crate::task::spawn_maybe_boxed!(future: F, self.spawn_named(future, None, Location::caller()))
    }

    /// Runs a blocking closure on this runtime's blocking pool; see
    /// [`crate::spawn_blocking`].
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        JoinHandle::blocking(self.inner.spawn_blocking(f))
    }

    pub(crate) fn spawn_named<F>(
        &self,
        future: F,
        name: Option<Box<str>>,
        spawned_at: &'static Location<'static>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.spawn(future, Meta { name, spawned_at })
    }

    /// Ends [`Runtime::run_forever`](super::Runtime::run_forever): asyncio's
    /// `loop.stop()`. Callable from any thread or task, any number of times.
    ///
    /// A stop ends the `run_forever` running now; if none is running, it is
    /// kept, and the next `run_forever` returns at once — as asyncio's
    /// `stop()` before `run_forever()` makes it return after one pass.
    /// Stops do not add up: several before a `run_forever` end just that
    /// one. (If several threads run `run_forever` at once, a stop ends one
    /// of them.) `block_on` and the tasks are not affected.
    pub fn stop(&self) {
        self.inner.common().stop.notify_one();
    }

    /// Makes this runtime current on this thread until the guard drops, so
    /// `runtime::spawn` and `Handle::current` work here. Guards nest: each
    /// restores what was current before it.
    ///
    /// # Panics
    /// The guard's drop panics if guards of this thread are dropped out of
    /// order (an older one before a newer one), as tokio's does: restoring
    /// would leave a runtime current that was already left.
    pub fn enter(&self) -> EnterGuard<'_> {
        EnterGuard {
            _guard: context::set_current(self.inner.clone()),
            _handle: std::marker::PhantomData,
        }
    }

    /// Every live task of this runtime, to look at in code: the same list
    /// as [`task::all_tasks`](crate::task::all_tasks), which asks the
    /// current runtime. To print it, use [`dump`](Self::dump).
    pub fn tasks(&self) -> Vec<TaskInfo> {
        let mut tasks = self.inner.registry().snapshot();
        TaskInfo::describe_waits(&mut tasks, &self.inner);
        tasks
    }

    /// The live tasks as a report to print (or log), one line each — for
    /// people, where [`tasks`](Self::tasks) is for code. An idle task says
    /// what it waits on ([`TaskInfo::waiting_on`]), a scheduled one how
    /// long ago it was woken ([`TaskInfo::since_woken`]):
    /// ```text
    /// 3 live tasks:
    ///   Task#12 "fetch-1" idle, spawned at src/main.rs:14:5, 3 polls, waiting on readable on TcpStream 127.0.0.1:40312 → 127.0.0.1:5000
    ///   Task#13 "fetch-2" scheduled, spawned at src/main.rs:14:5, 1 poll, woken 3 ms ago
    ///   Task#14 "ticker" idle, spawned at src/main.rs:20:5, 9 polls, waiting on sleep until +1.2 s (at src/main.rs:22:13)
    /// ```
    pub fn dump(&self) -> TaskDump {
        TaskDump(self.tasks())
    }

    /// Counters of this runtime: workers, tasks, polls, steals, parks, queues.
    pub fn metrics(&self) -> RuntimeMetrics {
        RuntimeMetrics::new(self.inner.clone())
    }

    /// Runs `future` to completion on the calling thread, as
    /// [`Runtime::block_on`](crate::Runtime::block_on) does, from anywhere a
    /// `Handle` can reach: another thread, a `spawn_blocking` closure, the
    /// closure of [`block_in_place`](crate::task::block_in_place).
    ///
    /// On the current-thread flavor this thread drives the runtime's tasks,
    /// timers and I/O while it waits, unless another thread's `block_on`
    /// already does (then it takes over when that one returns) — unlike
    /// tokio's, which never drives them from a `Handle`.
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let n = std::thread::spawn(move || {
    ///     handle.block_on(async { runtime::spawn(async { 5 }).await.unwrap() })
    /// })
    /// .join()
    /// .unwrap();
    /// assert_eq!(n, 5);
    /// ```
    ///
    /// # Panics
    /// If called from inside a runtime (a task, or another `block_on`):
    /// blocking that thread would stall the tasks it is meant to run. Await
    /// the future instead.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _enter = context::enter_runtime(self.inner.clone());
        // tokio-console lists the future as a task of kind `block_on`.
        #[cfg(feature = "console")]
        let future = tracing::Instrument::instrument(
            future,
            crate::console::task_span("block_on", None, None, std::panic::Location::caller()),
        );
        self.inner.block_on(future)
    }

    /// This runtime's [`Id`](super::Id): unique among the runtimes this
    /// process has built, equal for every handle of one runtime.
    pub fn id(&self) -> super::Id {
        self.inner.common().config.id
    }

    /// The name given with [`Builder::name`](crate::Builder::name), if any.
    pub fn name(&self) -> Option<&str> {
        self.inner.common().config.name.as_deref()
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Handle").field(&self.inner).finish()
    }
}

/// Returned by [`Handle::enter`]; leaves the runtime context when dropped.
///
/// Drop guards in the reverse order of their creation, on the thread that
/// made them (the guard is not `Send`).
pub struct EnterGuard<'a> {
    _guard: context::EnterGuard,
    _handle: std::marker::PhantomData<&'a Handle>,
}

impl fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnterGuard")
    }
}

/// There is no runtime on this thread.
pub struct TryCurrentError(());

impl TryCurrentError {
    pub(crate) fn message() -> &'static str {
        "there is no runtime on this thread. Call it from inside `Runtime::block_on`, \
         an `#[runtime::main]` or `#[runtime::test]` function, or a task spawned on a \
         runtime; or spawn through a `Handle` / `Runtime::spawn`"
    }
}

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::message())
    }
}

impl fmt::Debug for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TryCurrentError({self})")
    }
}

impl std::error::Error for TryCurrentError {}
