//! Tasks: spawn → queue → poll → wake → complete → join.
//!
//! A task is one heap cell (`raw.rs`) holding its state word (`state.rs`), its
//! future and later its output, and its join waker. The runtime passes around
//! counted references to it:
//!
//! * `Task`: a plain reference (the live-task registry holds one);
//! * `Notified`: the reference that sits in a run queue. The `NOTIFIED` bit
//!   guarantees at most one exists, so a task is never queued twice;
//! * `JoinHandle`: the reference with the right to the output;
//! * a `Waker`: a reference whose `wake` turns into a `Notified`.
//!
//! Life of a task: `spawn` allocates the cell with three references
//! (registry, `Notified`, `JoinHandle`), binds it in the registry and hands the
//! `Notified` to the scheduler. A worker pops it and calls `Notified::run`:
//! `transition_to_running` claims the future, the poll runs under a fresh
//! cooperative budget and `catch_unwind`. On `Pending`, `transition_to_idle`
//! gives the future back — or, if a wake arrived during the poll, turns the
//! poller's reference into a new `Notified` queued behind the others (so a
//! task is re-polled once after its poll, never concurrently). On `Ready` or
//! panic the output is stored, `COMPLETE` published, the join waker woken, and
//! the task leaves the registry. The `JoinHandle` takes the output, or, if it
//! was dropped, the completing worker drops the output.
//!
//! Cancellation (`abort`, runtime shutdown) sets `CANCELLED`; whoever holds
//! `RUNNING` next drops the future instead of polling it, so the future is
//! dropped exactly once, on whichever thread owned it.
//!
//! [`Id`] and [`JoinError`] are not defined here: they live in the
//! `runtime-blocking` crate (`runtime-blocking/src/error.rs`), shared with
//! blocking jobs, and `error.rs` re-exports them.

mod abort_on_drop;
mod block_in_place;
mod builder;
mod combinators;
mod consume_budget;
mod current;
mod error;
mod info;
mod join;
pub(crate) mod local;
mod raw;
mod registry;
pub(crate) mod state;
mod task_local;
mod unconstrained;
mod waker;
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
pub use error::{Id, JoinError};
pub use info::{all_tasks, TaskDump, TaskInfo, TaskState};
pub use join::{AbortHandle, JoinHandle};
pub use local::{spawn_local, LocalEnterGuard, LocalSet};
pub(crate) use raw::{Header, RawTask};
pub(crate) use registry::Registry;
pub use task_local::{AccessError, LocalKey, TaskLocalFuture};
pub use unconstrained::{unconstrained, Unconstrained};
pub use yield_now::yield_now;

/// Futures returned by this module's functions, under tokio's paths.
pub mod futures {
    pub use super::TaskLocalFuture;
}

use std::fmt;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::pin::Pin;

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
/// the `Arc`'s target, never through a reference into the cell (`raw.rs`).
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
    // SAFETY: forwarded from the caller.
    let raw = unsafe { RawTask::new_local(future, scheduler, Id::next(), meta) };
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
