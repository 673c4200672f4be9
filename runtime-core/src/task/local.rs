//! `LocalSet` and `spawn_local`: tasks whose future (or output) is not
//! `Send`, run only on the thread that owns the set.
//!
//! # The task cell, reused
//!
//! A local task is an ordinary task cell ([`super::raw`]): the same state word,
//! join handle, wakers, abort and registry, created through
//! `RawTask::new_local`, the one constructor without `Send` bounds. It is
//! `unsafe`; `RawTask::new` (every other spawn) keeps its bounds and calls
//! it. A `Send` wrapper around the future alone (an `unsafe impl Send for
//! LocalFuture<F>`) would not do: the cell also stores the *output*, which
//! `spawn_local` allows to be `!Send` too, and the `JoinHandle<T>` reads it
//! as exactly `T`. So the harness's generic functions no longer ask for
//! `Send` themselves; the two constructors are where the bound is checked
//! (`new`) or promised (`new_local`).
//!
//! # Why the promise holds: only the owner touches a future or an output
//!
//! The future is polled or dropped by whoever holds `RUNNING`, which comes
//! from running a `Notified` or from shutting the task down through its
//! registry. For a local task both happen on the owner thread only:
//! * its `Notified`s go to this set's queue (`Schedule::schedule` below),
//!   whoever wakes it, and only `tick` pops them — a method of `&LocalSet`,
//!   which is `!Send` and `!Sync`, so it runs on the thread that made the
//!   set (`tick` asserts it too);
//! * its registry is this set's own, not the runtime's (runtime shutdown on
//!   another thread never sees it), shut down by `LocalSet`'s `Drop`, again
//!   on the owner;
//! * spawning moves the future into the cell on the calling thread: a
//!   `LocalSet` method, or `spawn_local`, which finds the set through a
//!   thread-local that only `LocalSet::enter` (owner thread) sets.
//! * `JoinHandle::cancel_now` (a dropped `AbortOnDrop` or `TaskGroup`) shuts
//!   a task down through its handle, on whatever thread drops it; on any
//!   thread but the owner, `Schedule::may_drop_futures_here` (below) turns
//!   that into a plain abort, which queues the task for the owner.
//!
//! The output is stored by the completing (owner) thread and taken, or
//! dropped, by the `JoinHandle`, which is `!Send` when the output is, or by
//! the completing thread if the handle is gone. Other references —
//! wakers, `AbortHandle`s, a `Send` output's `JoinHandle` — may live on any
//! thread: they change the state word and at most hand a `Notified` to the
//! queue. The last of them may free the cell elsewhere; by then the future
//! is gone (completed or cancelled on the owner, since the registry held a
//! reference until then) and so is any output (its reader or completer
//! dropped it).
//!
//! # The queue and the waker
//!
//! One mutex-protected FIFO for wake-ups from every thread. A push wakes the
//! set's `AtomicWaker` — the waker of whoever last polled `run_until` or the
//! set itself — unless the owner is inside `tick` right now (`ticking`, read
//! under the same lock that `tick` clears it under, so no push falls between
//! the two): `tick` finds that task before it stops. `tick` runs at most
//! [`EVENT_INTERVAL`](crate::scheduler::EVENT_INTERVAL) tasks, then has its caller wake itself, so a local
//! task that keeps waking others cannot starve the future `run_until` is
//! driving.
//!
//! # Where a set runs implicitly
//!
//! The current-thread flavor's `block_on` runs its future inside a set of its
//! own (entered for the whole `block_on`), so `spawn_local` works on that
//! thread without one: in the `block_on` future and in tasks polled there.
//! Each `block_on` call has its own set. When two threads `block_on` one
//! current-thread runtime, the second may take over driving the runtime's
//! tasks when the first returns — but the first one's local tasks never move:
//! they are cancelled when its `block_on` returns, on its thread, like any
//! dropped `LocalSet`'s.
//!
//! That set is made at the first `spawn_local` of the call, not before
//! ([`run_implicit`]): most `block_on`s spawn nothing local, and making and
//! dropping a set (its queue and registry) was half the cost of a
//! `block_on` of a ready future. Until then the thread-local says only
//! "implicit" ([`Entered::Implicit`]); the set, once made, lives in a second
//! thread-local, [`IMPLICIT`], until the `block_on` returns. `block_on`
//! calls do not nest on one thread, so there is at most one.

use super::{spawn_maybe_boxed, JoinHandle, Meta, Notified, RawTask, Registry, Schedule, Task};
use crate::loom::{lock, thread_local, Arc, Mutex};
use futures_util::task::AtomicWaker;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A set of tasks that all run on the current thread: for futures that are
/// not `Send` (they hold an `Rc`, a `RefCell` borrow across `.await`, a
/// non-thread-safe handle). tokio's `LocalSet`, same names.
///
/// Spawn into it with [`spawn_local`] (while it runs) or
/// [`LocalSet::spawn_local`] (any time); run it with
/// [`run_until`](LocalSet::run_until) or [`block_on`](LocalSet::block_on),
/// or await the set itself to run until all its tasks are done. Its tasks
/// run only while one of those is being polled, and only on this thread.
/// Dropping the set cancels every task still in it.
///
/// ```
/// use std::rc::Rc;
/// use runtime::task::{self, LocalSet};
///
/// let rt = runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
/// let local = LocalSet::new();
/// let out = local.block_on(&rt, async {
///     let shared = Rc::new(5); // not `Send`
///     let s = shared.clone();
///     let doubled = task::spawn_local(async move { *s * 2 }).await.unwrap();
///     doubled + *shared
/// });
/// assert_eq!(out, 15);
/// ```
pub struct LocalSet {
    shared: Arc<Shared>,
    /// `!Send` and `!Sync`: the set runs its tasks on the thread that made it.
    _not_send: PhantomData<*const ()>,
}

/// What a local task's cell and its wakers hold of the set.
struct Shared {
    /// The thread that made the set (its [`thread_mark`]): the only one
    /// that runs its tasks.
    owner: usize,
    queue: Mutex<Queue>,
    /// Woken when a task is queued while nobody ticks.
    waker: AtomicWaker,
    /// The set's live tasks, shut down (on the owner) when the set drops.
    registry: Registry,
    /// The task hooks of the runtime the set was made in, if any.
    hooks: Option<std::sync::Arc<crate::runtime::TaskHooks>>,
}

struct Queue {
    tasks: VecDeque<Notified>,
    /// The owner is in `tick`, which will find a task queued now: no wake-up
    /// needed. Written by the owner only, under this lock.
    ticking: bool,
    /// Set by the set's drop: later schedules drop their task reference.
    closed: bool,
}

/// A current-thread `block_on`'s implicit set, and what it needs to make it.
#[derive(Default)]
struct Implicit {
    /// Made by the first `spawn_local`.
    set: Option<LocalSet>,
    /// The `block_on` future's waker, from its first poll: a set made later
    /// (by a task the runtime polls, not by the future) wakes it with this.
    waker: Option<std::task::Waker>,
}

impl Implicit {
    /// The set, made now if this is the first `spawn_local`.
    fn set(&mut self) -> Arc<Shared> {
        let waker = &self.waker;
        let set = self.set.get_or_insert_with(|| {
            let set = LocalSet::new();
            if let Some(w) = waker {
                set.shared.waker.register(w);
            }
            set
        });
        set.shared.clone()
    }
}

/// What [`spawn_local`] spawns into on this thread.
#[derive(Clone)]
enum Entered {
    /// An explicit set, entered.
    Set(Arc<Shared>),
    /// A current-thread `block_on`'s own set: [`IMPLICIT`], made on demand.
    Implicit,
}

thread_local! {
    #[allow(clippy::missing_const_for_thread_local)]
    /// The set `spawn_local` spawns into on this thread (the innermost one
    /// entered), if any.
    static CURRENT: RefCell<Option<Entered>> = RefCell::new(None);
    #[allow(clippy::missing_const_for_thread_local)]
    /// The current-thread `block_on` running on this thread: its implicit
    /// set ([`run_implicit`]).
    static IMPLICIT: RefCell<Implicit> = RefCell::new(Implicit::default());
    #[allow(clippy::missing_const_for_thread_local)]
    /// Its address tells this thread from others, cheaper than a `ThreadId`.
    static MARK: u8 = 0;
}

/// An identity of the calling thread, unique among live threads.
fn thread_mark() -> usize {
    MARK.try_with(|m| m as *const u8 as usize).unwrap_or(0)
}

/// Spawns a `!Send` future on the current thread's [`LocalSet`]: tokio's
/// `task::spawn_local`.
///
/// The task runs only on this thread, while the set runs. A set is running
/// inside [`LocalSet::run_until`], [`LocalSet::block_on`] or an awaited
/// `LocalSet`, and — without any explicit set — throughout a current-thread
/// runtime's `block_on` (also in tasks that thread polls). Like
/// [`crate::spawn`], it starts without being awaited; dropping the handle
/// detaches it. Its `JoinHandle` is `Send` only if the output is.
///
/// ```
/// use std::rc::Rc;
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let name = Rc::new("local".to_string());
///     let task = runtime::task::spawn_local(async move { name.len() });
///     assert_eq!(task.await.unwrap(), 5);
/// });
/// ```
///
/// # Panics
/// Where no local set runs: on a multi-thread runtime's worker or its
/// `block_on` thread without a `LocalSet`, or outside any runtime.
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let entered = CURRENT.try_with(|c| c.borrow().clone()).ok().flatten();
    let shared = match entered {
        Some(Entered::Set(shared)) => Some(shared),
        Some(Entered::Implicit) => IMPLICIT.try_with(|i| i.borrow_mut().set()).ok(),
        None => None,
    };
    let Some(shared) = shared else {
        panic!(
            "`spawn_local` called where no `LocalSet` runs: local tasks need a thread that \
             runs them. Call it inside `LocalSet::run_until`, `LocalSet::block_on` or an \
             awaited `LocalSet`, or on a current-thread runtime's `block_on` thread \
             (`#[runtime::main(flavor = \"current_thread\")]`); to run a `Send` future \
             anywhere, use `runtime::spawn`"
        );
    };
    let at = Location::caller();
    spawn_maybe_boxed!(local future: F, Shared::spawn(&shared, future, at))
}

impl LocalSet {
    /// An empty set, owned by this thread.
    pub fn new() -> LocalSet {
        LocalSet {
            shared: Arc::new(Shared {
                owner: thread_mark(),
                queue: Mutex::new(Queue {
                    tasks: VecDeque::new(),
                    ticking: false,
                    closed: false,
                }),
                waker: AtomicWaker::new(),
                // The shared shard only: one thread binds and removes.
                registry: Registry::new(0),
                hooks: crate::context::with_current(|h| {
                    h.and_then(|h| h.common().config.task_hooks.clone())
                }),
            }),
            _not_send: PhantomData,
        }
    }

    /// Makes this the set that [`spawn_local`] spawns into on this thread,
    /// until the guard drops (guards nest). Its tasks still run only while
    /// the set is run or awaited.
    pub fn enter(&self) -> LocalEnterGuard {
        enter(Entered::Set(self.shared.clone()))
    }

    /// Spawns a `!Send` future into this set, whether or not it is running
    /// now: it runs once the set runs (see [`spawn_local`]).
    ///
    /// ```
    /// use runtime::task::LocalSet;
    ///
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// let local = LocalSet::new();
    /// let task = local.spawn_local(async { std::rc::Rc::new(7) });
    /// let seven = local.block_on(&rt, task).unwrap();
    /// assert_eq!(*seven, 7);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let at = Location::caller();
        spawn_maybe_boxed!(local future: F, Shared::spawn(&self.shared, future, at))
    }

    /// Runs `future` to completion on `rt` with this set running beside it:
    /// `rt.block_on(self.run_until(future))`.
    ///
    /// # Panics
    /// Where [`Runtime::block_on`](crate::Runtime::block_on) panics (inside
    /// a runtime).
    #[track_caller]
    pub fn block_on<F: Future>(&self, rt: &crate::Runtime, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }

    /// Runs this set's tasks while `future` runs, until `future` completes;
    /// tasks still pending then stay in the set (run it again, or drop it to
    /// cancel them). `spawn_local` inside `future` spawns here.
    ///
    /// ```
    /// use runtime::task::{self, LocalSet};
    ///
    /// let rt = runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// rt.block_on(async {
    ///     let local = LocalSet::new();
    ///     let n = local
    ///         .run_until(async { task::spawn_local(async { 1 + 1 }).await.unwrap() })
    ///         .await;
    ///     assert_eq!(n, 2);
    /// });
    /// ```
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        RunUntil { set: self, future }.await
    }
}

fn enter(entered: Entered) -> LocalEnterGuard {
    let prev = CURRENT.with(|c| c.replace(Some(entered)));
    LocalEnterGuard {
        prev,
        _not_send: PhantomData,
    }
}

/// Polls `future` to completion with `block_on` (the current-thread
/// flavor's), with an implicit set of its own running beside it: made at
/// the first `spawn_local`, dropped (its tasks cancelled) when this returns
/// or unwinds (module docs).
pub(crate) fn run_implicit<F: Future, R>(
    future: F,
    block_on: impl FnOnce(RunImplicit<F>) -> R,
) -> R {
    /// Leaves the implicit set: drops it if one was made, then (the guard)
    /// restores the thread's previous entry.
    struct Leave {
        _guard: LocalEnterGuard,
    }
    impl Drop for Leave {
        fn drop(&mut self) {
            // Taken out first: the set's drop enters the set itself, so a
            // destructor calling `spawn_local` meets it (and gets a cancelled
            // task), never a new implicit set.
            let left = IMPLICIT.try_with(|i| std::mem::take(&mut *i.borrow_mut()));
            drop(left);
        }
    }
    let _leave = Leave {
        _guard: enter(Entered::Implicit),
    };
    block_on(RunImplicit { future })
}

/// The future [`run_implicit`] blocks on: its future, then a tick of the
/// implicit set if there is one.
pub(crate) struct RunImplicit<F> {
    future: F,
}

impl<F: Future> Future for RunImplicit<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: never moved out of `self`,
        // which is pinned.
        let future = unsafe { self.map_unchecked_mut(|this| &mut this.future) };
        if let Poll::Ready(out) = future.poll(cx) {
            return Poll::Ready(out);
        }
        let set = IMPLICIT
            .try_with(|i| {
                let mut i = i.borrow_mut();
                if i.waker.is_none() {
                    i.waker = Some(cx.waker().clone());
                }
                i.set.as_ref().map(|set| set.shared.clone())
            })
            .ok()
            .flatten();
        if set.is_some_and(|set| set.poll_tick(cx)) {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

impl Default for LocalSet {
    fn default() -> LocalSet {
        LocalSet::new()
    }
}

/// Awaiting a `LocalSet` runs its tasks until every one has finished.
///
/// ```
/// use runtime::task::LocalSet;
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// let local = LocalSet::new();
/// let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
/// for i in 0..3 {
///     let log = log.clone();
///     local.spawn_local(async move { log.borrow_mut().push(i) });
/// }
/// rt.block_on(local);
/// assert_eq!(*log.borrow(), [0, 1, 2]);
/// ```
impl Future for LocalSet {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let _enter = self.enter();
        if self.shared.poll_tick(cx) {
            cx.waker().wake_by_ref();
            Poll::Pending
        } else if self.shared.registry.len() == 0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for LocalSet {
    /// Cancels every task still in the set, on this thread: each future is
    /// dropped here (with the set entered, so a destructor that calls
    /// `spawn_local` finds it — and gets a cancelled task).
    fn drop(&mut self) {
        let _enter = self.enter();
        self.shared.registry.close_and_shutdown();
        let left = {
            let mut q = lock(&self.shared.queue);
            q.closed = true;
            std::mem::take(&mut q.tasks)
        };
        // Stale references now (their tasks are cancelled); dropped outside
        // the lock.
        drop(left);
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet")
            .field("tasks", &self.shared.registry.len())
            .finish()
    }
}

/// Returned by [`LocalSet::enter`]; restores the previous set when dropped.
pub struct LocalEnterGuard {
    prev: Option<Entered>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for LocalEnterGuard {
    fn drop(&mut self) {
        let prev = self.prev.take();
        let _ = CURRENT.try_with(|c| {
            // Dropped outside the borrow: it may be a set's last reference.
            let ours = c.replace(prev);
            drop(ours);
        });
    }
}

impl fmt::Debug for LocalEnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LocalEnterGuard")
    }
}

/// The future behind [`LocalSet::run_until`].
struct RunUntil<'a, F> {
    set: &'a LocalSet,
    future: F,
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of
        // `self`, which is pinned; `set` is a plain reference.
        let (set, future) = unsafe {
            let this = self.get_unchecked_mut();
            (this.set, Pin::new_unchecked(&mut this.future))
        };
        let _enter = set.enter();
        if let Poll::Ready(out) = future.poll(cx) {
            return Poll::Ready(out);
        }
        if set.shared.poll_tick(cx) {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

impl Shared {
    fn spawn<F>(
        this: &Arc<Shared>,
        future: F,
        spawned_at: &'static Location<'static>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        let meta = Meta {
            name: None,
            spawned_at,
        };
        let shard = this.registry.shared_shard();
        // SAFETY: we are on the owner thread (the callers are `&LocalSet`
        // methods — `LocalSet` is `!Sync` — or `spawn_local`, which found
        // this set in the thread-local only the owner sets), and the task's
        // `Notified`s are run, and `registry` shut down, only there (module
        // docs).
        let (join, notified) =
            unsafe { super::spawn_local_task(future, this.clone(), &this.registry, shard, meta) };
        if let Some(notified) = notified {
            this.push(notified);
        }
        join
    }

    fn push(&self, task: Notified) {
        super::waits::stamp_woken(task.header(), false);
        let (rejected, wake) = {
            let mut q = lock(&self.queue);
            if q.closed {
                (Some(task), false)
            } else {
                q.tasks.push_back(task);
                (None, !q.ticking)
            }
        };
        // Outside the lock: a dropped reference may be the task's last, and
        // a waker is the user's code.
        drop(rejected);
        if wake {
            self.waker.wake();
        }
    }

    /// Registers `cx`'s waker and runs a tick; true if tasks are still
    /// queued (the caller should wake itself). The caller has entered the
    /// set (or, for `block_on`'s implicit set, [`Entered::Implicit`]), so
    /// `spawn_local` in its tasks spawns here.
    fn poll_tick(&self, cx: &Context<'_>) -> bool {
        self.waker.register(cx.waker());
        self.tick()
    }

    /// Runs up to [`EVENT_INTERVAL`](crate::scheduler::EVENT_INTERVAL) queued tasks. True if some are still
    /// queued.
    fn tick(&self) -> bool {
        {
            let mut q = lock(&self.queue);
            if q.tasks.is_empty() {
                return false;
            }
            q.ticking = true;
        }
        assert!(
            self.owner == thread_mark(),
            "a LocalSet's tasks ran on a thread other than the one that made the set"
        );
        for _ in 0..crate::scheduler::EVENT_INTERVAL {
            let task = {
                let mut q = lock(&self.queue);
                match q.tasks.pop_front() {
                    Some(t) => t,
                    None => {
                        q.ticking = false;
                        return false;
                    }
                }
            };
            task.run();
        }
        let mut q = lock(&self.queue);
        q.ticking = false;
        !q.tasks.is_empty()
    }
}

impl Schedule for Shared {
    fn schedule(&self, task: Notified, _is_yield: bool) {
        // FIFO: a task that woke itself goes behind the others anyway.
        self.push(task);
    }

    fn release(&self, task: RawTask) -> Option<Task> {
        self.registry.remove(task, None)
    }

    fn may_drop_futures_here(&self) -> bool {
        self.owner == thread_mark()
    }

    fn hooks(&self) -> Option<&crate::runtime::TaskHooks> {
        self.hooks.as_deref()
    }

    #[cfg(feature = "console")]
    const KIND: &'static str = "local";
}
