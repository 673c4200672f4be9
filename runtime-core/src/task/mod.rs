//! Tasks: spawning, joining, cancelling, combining and listing them —
//! asyncio's `Task`, `gather`, `as_completed`, `wait`, `wait_for`,
//! `TaskGroup` and `all_tasks`.
//!
//! A task is a future the runtime polls on its own, on whichever worker is
//! free: [`spawn`](crate::spawn) (or [`Builder`] to give it a name) starts it
//! at once and returns a [`JoinHandle`]. Awaiting the handle gives the
//! task's output, or a [`JoinError`] if it panicked or was cancelled;
//! [`JoinHandle::abort`] cancels it (its future is dropped at its next
//! `.await` point, never in the middle of a poll). Dropping a plain handle
//! *detaches* the task, which runs on, as in tokio.
//!
//! ```
//! use runtime::task;
//! use std::time::Duration;
//!
//! # let rt = runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! let fetch = task::Builder::new()
//!     .name("fetch")
//!     .spawn(async { 42 })
//!     .unwrap();
//! assert_eq!(fetch.await.unwrap(), 42);
//!
//! let forever = runtime::spawn(runtime::time::sleep(Duration::from_secs(3600)));
//! forever.abort(); // Task.cancel()
//! assert!(forever.await.unwrap_err().is_cancelled());
//! # });
//! ```
//!
//! # Waiting for several
//!
//! | asyncio | here | the others when one fails | when the caller is dropped |
//! | --- | --- | --- | --- |
//! | `gather(*aws, return_exceptions=True)` | [`gather`](fn@gather) | run on | inputs dropped (handles detach) |
//! | `gather(*aws)` | [`try_gather`] | dropped | inputs dropped |
//! | `as_completed(aws)` | [`as_completed`](fn@as_completed) (`(index, output)`, lazy, `.limit(n)`) | run on | inputs dropped |
//! | `wait(aws, timeout, return_when)` | [`wait`](fn@wait) with [`ReturnWhen`] | returned unfinished | handles detach |
//! | `wait_for(aw, t)` | [`wait_for`](fn@wait_for) on a handle: aborts the task at the deadline | — | — |
//! | `TaskGroup` | [`TaskGroup`]: results in spawn order, the first failure cancels the rest | cancelled | all aborted |
//! | — | [`JoinSet`]: results as they come | run on | all aborted |
//!
//! These run their inputs inside the calling task: none of them spawns
//! anything. [`gather`](fn@gather) of plain futures takes any iterator of
//! futures of one type; for a few futures of different types use
//! [`join!`](crate::join) or [`try_join!`](crate::try_join).
//!
//! # Waiting for what you spawned
//!
//! A spawned task is on its own: nothing waits for it unless something
//! awaits its handle. A `main` (or a [`Runtime::block_on`](crate::Runtime::block_on)
//! future) that spawns tasks and returns does not wait for them — unlike
//! asyncio's `run_until_complete`, after which the loop has also run the
//! tasks that were ready. To wait for what you spawned, spawn it into a
//! [`TaskGroup`] or a [`JoinSet`] and join that, or keep the handles:
//!
//! ```
//! use runtime::task::TaskGroup;
//!
//! #[runtime::main]
//! async fn main() {
//!     let mut group = TaskGroup::new();
//!     for i in 0..5 {
//!         group.spawn(async move { println!("task {i}") });
//!     }
//!     group.join().await.unwrap(); // all five have run
//!     println!("Completed All Tasks");
//! }
//! ```
//!
//! # Cancellation
//!
//! [`JoinHandle::abort`], an [`AbortHandle`], a dropped [`TaskGroup`] or
//! [`JoinSet`], [`wait_for`](fn@wait_for) at its deadline and the runtime's
//! shutdown all cancel a task the same way: its future is dropped exactly
//! once, on whichever thread owns it, and its handle resolves to a
//! [`JoinError`] for which [`is_cancelled`](JoinError::is_cancelled) is
//! true. A cancelled task that held plain handles to other tasks detaches
//! them; [`JoinHandle::abort_on_drop`] makes a handle cancel its task when
//! dropped.
//!
//! # Seeing and naming tasks
//!
//! [`all_tasks`] lists the live tasks of the current runtime (asyncio's
//! `all_tasks()`): each [`TaskInfo`] has the task's [`Id`], name, state,
//! spawn location and poll count, and an [`abort_handle`](TaskInfo::abort_handle).
//! [`current`](fn@current), [`id`](fn@id) and [`try_id`] say which task is running.
//!
//! # Other kinds of tasks
//!
//! * [`spawn_local`] and [`LocalSet`]: tasks whose futures are not `Send`,
//!   run on one thread.
//! * [`task_local!`](crate::task_local) and [`LocalKey`]: values scoped to a
//!   task, asyncio's `contextvars`.
//! * [`spawn_blocking`](crate::spawn_blocking) and
//!   [`run_in_executor`](crate::run_in_executor): closures on a thread pool,
//!   awaited through the same [`JoinHandle`]; [`block_in_place`](fn@block_in_place) runs one on
//!   the current worker's thread while its other tasks move elsewhere.
//! * [`yield_now`](fn@yield_now), [`consume_budget`](fn@consume_budget) and
//!   [`unconstrained`](fn@unconstrained): when a task gives the others a turn.

mod abort_on_drop;
mod block_in_place;
mod builder;
pub(crate) mod combinators;
mod consume_budget;
mod current;
mod info;
mod join;
pub(crate) mod local;
pub(crate) mod raw;
pub(crate) mod registry;
pub(crate) mod state;
mod task_local;
mod unconstrained;
pub(crate) mod waits;
pub(crate) mod waker;
mod yield_now;

pub use abort_on_drop::AbortOnDrop;
pub use block_in_place::block_in_place;
pub use builder::Builder;
pub use combinators::{
    as_completed, gather, try_gather, wait, wait_for, AsCompleted, Gather, JoinSet, ReturnWhen,
    TaskGroup, TryGather, Wait, WaitFor,
};
pub use consume_budget::consume_budget;
pub use current::{current, id, try_current, try_id};
pub use info::{all_tasks, TaskDump, TaskInfo, TaskState};
pub use join::{AbortHandle, JoinHandle};
pub use local::{spawn_local, LocalEnterGuard, LocalSet};
pub(crate) use raw::{Header, RawTask};
pub(crate) use registry::Registry;
pub use runtime_blocking::{Id, JoinError};
pub use task_local::{AccessError, LocalKey, TaskLocalFuture};
pub use unconstrained::{unconstrained, Unconstrained};
pub use yield_now::yield_now;

/// Futures returned by this module's functions, under tokio's paths.
pub mod futures {
    pub use super::TaskLocalFuture;
}

use crate::runtime::TaskHooks;
use std::fmt;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::pin::Pin;
use std::ptr::NonNull;

/// Futures larger than this many bytes are boxed by the public `spawn`
/// functions before anything else happens to them (tokio's numbers). A
/// future is moved by value through several frames on its way into its
/// task cell; a big one, spawned from a task on a worker's 2 MiB stack,
/// would overflow it. Boxed first, only a pointer travels.
pub(crate) const BOX_FUTURE_THRESHOLD: usize = if cfg!(debug_assertions) { 2048 } else { 16384 };

/// `spawn_maybe_boxed!(future: F, spawn_call(future))`: evaluates
/// `spawn_call` with `future` (the spawn function's own parameter, of type
/// `F`) as it is, or shadowed by `Box::pin(future)` as a [`BoxFuture`]
/// (`local future: F`: a [`LocalBoxFuture`]) if `F` is larger than
/// [`BOX_FUTURE_THRESHOLD`]. For the first frame of each public spawn
/// function, so that a large future is copied as few times as possible (the
/// unboxed path makes no copy at all, even in a debug build, which gives
/// every local its own stack slot).
macro_rules! spawn_maybe_boxed {
    ($future:ident: $ty:ty, $spawn:expr) => {
        $crate::task::spawn_maybe_boxed!(@ $future: $ty, BoxFuture, $spawn)
    };
    (local $future:ident: $ty:ty, $spawn:expr) => {
        $crate::task::spawn_maybe_boxed!(@ $future: $ty, LocalBoxFuture, $spawn)
    };
    (@ $future:ident: $ty:ty, $boxed:ident, $spawn:expr) => {{
        if const { ::std::mem::size_of::<$ty>() > $crate::task::BOX_FUTURE_THRESHOLD } {
            let $future: $crate::task::$boxed<<$ty as ::std::future::Future>::Output> =
                ::std::boxed::Box::pin($future);
            $spawn
        } else {
            $spawn
        }
    }};
}
pub(crate) use spawn_maybe_boxed;

/// A large future, boxed by [`spawn_maybe_boxed!`]. Boxed as a trait object,
/// one task harness per output type serves every large future; boxed as
/// `Pin<Box<F>>`, every spawn site compiled a second harness for its future
/// type, whichever arm it took (13 % of the tour's release build, and the
/// same share of any user crate's spawn sites).
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;
/// [`BoxFuture`] for `spawn_local`, whose futures need not be `Send`.
pub(crate) type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T> + 'static>>;

/// Where a woken task goes: implemented by each scheduler flavor. A task cell
/// holds an `Arc` of its scheduler, and the harness calls these methods on
/// the `Arc`'s target, never through a reference into the cell ([`raw`]).
pub(crate) trait Schedule: Send + Sync + 'static {
    /// Queues a task. `is_yield` asks for it to run after the tasks already
    /// queued (it woke itself during its own poll).
    fn schedule(&self, task: Notified, is_yield: bool);

    /// Removes a completing task from the live-task registry, returning the
    /// registry's reference (none if shutdown already took it).
    fn release(&self, task: RawTask) -> Option<Task>;

    /// True if this thread may drop the futures of this scheduler's tasks,
    /// as shutting a task down does (`RawTask::shutdown`): any thread for
    /// the runtime's schedulers; for a `LocalSet`, whose futures need not
    /// be `Send`, only the thread that owns it.
    fn may_drop_futures_here(&self) -> bool {
        true
    }

    /// A task panicked and nobody holds its `JoinHandle`.
    fn unhandled_panic(&self, task: &Header, error: &JoinError) {
        report_unhandled_panic(task, error);
    }

    /// What kind of task this scheduler runs, as tokio-console shows it
    /// (`console.rs`): `task`, or `local` for a `LocalSet`'s.
    #[cfg(feature = "console")]
    const KIND: &'static str = "task";

    /// The task hooks of the runtime these tasks belong to, if any is set.
    fn hooks(&self) -> Option<&TaskHooks> {
        None
    }
}

pub(crate) fn report_unhandled_panic(task: &Header, error: &JoinError) {
    crate::runtime::report_unhandled_panic(task, error);
}

/// What a task knows about itself for `all_tasks` and reports.
pub(crate) struct Meta {
    pub(crate) name: Option<Box<str>>,
    pub(crate) spawned_at: &'static Location<'static>,
}

/// One counted reference to a task.
pub(crate) struct Task {
    raw: RawTask,
}

impl Task {
    pub(crate) fn raw(&self) -> RawTask {
        self.raw
    }
    pub(crate) fn header(&self) -> &Header {
        self.raw.header()
    }
    /// Hands the reference to the task's shutdown (cancel it if idle).
    pub(crate) fn shutdown(self) {
        ManuallyDrop::new(self).raw.shutdown();
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

impl fmt::Debug for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Task({})", self.header().id)
    }
}

/// The one reference to a task that sits in a run queue.
#[derive(Debug)]
pub(crate) struct Notified(Task);

impl Notified {
    pub(crate) fn from_raw(raw: RawTask) -> Notified {
        Notified(Task { raw })
    }
    pub(crate) fn id(&self) -> Id {
        self.0.header().id
    }
    /// Gives up this reference as a pointer, for a slot that stores it
    /// (`scheduler/multi_thread/lifo.rs`); [`from_raw_ptr`](Self::from_raw_ptr)
    /// takes it back.
    pub(crate) fn into_raw(self) -> NonNull<Header> {
        ManuallyDrop::new(self).0.raw.as_ptr()
    }
    /// The `Notified` reference that [`into_raw`](Self::into_raw) gave up.
    ///
    /// # Safety
    /// `ptr` came from `into_raw`, and that reference is taken back only
    /// once.
    pub(crate) unsafe fn from_raw_ptr(ptr: NonNull<Header>) -> Notified {
        // SAFETY: forwarded from the caller: `ptr` points at a live task
        // whose `Notified` reference the caller owns.
        Notified::from_raw(unsafe { RawTask::from_ptr(ptr) })
    }
    pub(crate) fn header(&self) -> &Header {
        self.0.header()
    }
    /// Polls (or cancels) the task; consumes this reference.
    pub(crate) fn run(self) {
        ManuallyDrop::new(self).0.raw.run();
    }
}

/// Allocates a task and binds it to `registry` in `shard` (the spawning
/// worker's, or `Registry::shared_shard`), returning the `Notified` to
/// queue (none if the registry is closed: the task was cancelled at once).
pub(crate) fn spawn<F, S>(
    future: F,
    scheduler: crate::loom::Arc<S>,
    registry: &Registry,
    shard: usize,
    meta: Meta,
) -> (JoinHandle<F::Output>, Option<Notified>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    if let Some(hooks) = scheduler.hooks() {
        let raw = RawTask::new(future, scheduler.clone(), Id::next(), meta);
        hooks.spawned(raw.header());
        return bind(raw, registry, shard);
    }
    let raw = RawTask::new(future, scheduler, Id::next(), meta);
    bind(raw, registry, shard)
}

/// [`spawn`] for a `!Send` future or output: a `LocalSet`'s task.
///
/// # Safety
/// As for [`RawTask::new_local`]: the task's future and output stay on the
/// calling thread (which must therefore be the one that runs the task's
/// `Notified`s and shuts `registry` down).
pub(crate) unsafe fn spawn_local_task<F, S>(
    future: F,
    scheduler: crate::loom::Arc<S>,
    registry: &Registry,
    shard: usize,
    meta: Meta,
) -> (JoinHandle<F::Output>, Option<Notified>)
where
    F: Future + 'static,
    S: Schedule,
{
    let hooked = scheduler.hooks().is_some().then(|| scheduler.clone());
    // SAFETY: forwarded from the caller.
    let raw = unsafe { RawTask::new_local(future, scheduler, Id::next(), meta) };
    if let Some(hooks) = hooked.as_deref().and_then(Schedule::hooks) {
        hooks.spawned(raw.header());
    }
    bind(raw, registry, shard)
}

/// Binds a new task (three references) to `shard` of `registry`; see
/// [`spawn`].
fn bind<T>(raw: RawTask, registry: &Registry, shard: usize) -> (JoinHandle<T>, Option<Notified>) {
    let join = JoinHandle::new(raw);
    let notified = Notified::from_raw(raw);
    match registry.bind(Task { raw }, shard) {
        Ok(()) => (join, Some(notified)),
        Err(task) => {
            // The runtime is shutting down: cancel it now, and let the
            // never-queued notification go.
            task.shutdown();
            drop(notified);
            (join, None)
        }
    }
}

// Task references move between threads; see `RawTask`'s `Send`/`Sync`.
const _: fn() = || {
    fn send<T: Send>() {}
    send::<Task>();
    send::<Notified>();
};
