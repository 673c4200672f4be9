//! The task cell: one heap allocation per task, and the type-erased handle to it.
//!
//! # Life of a task
//!
//! A task is one heap cell (below) holding its state word
//! ([`super::state`]), its future and later its output, and its join waker.
//! The runtime passes around counted references to it:
//!
//! * `Task`: a plain reference (the live-task registry holds one);
//! * `Notified`: the reference that sits in a run queue. The `NOTIFIED` bit
//!   guarantees at most one exists, so a task is never queued twice;
//! * `JoinHandle`: the reference with the right to the output;
//! * a `Waker`: a reference whose `wake` turns into a `Notified`.
//!
//! `spawn` allocates the cell with three references
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
//! # The cell
//!
//! ```text
//!  Cell<F, S> (repr C) ─┬─ Header    state word, vtable, id, name, spawn location, poll count,
//!                       │            what it waits on
//!                       ├─ scheduler Arc<S> (where a woken task goes)
//!                       ├─ stage     Running(F) | Finished(Result<F::Output, JoinError>) | Consumed
//!                       └─ join_waker Option<Waker>
//! ```
//!
//! A `NonNull<Header>` is a pointer to the whole cell (the header is the first
//! field of a `repr(C)` struct). The vtable holds the functions instantiated
//! for the concrete `F` and `S`, so everything else in the runtime handles
//! tasks without knowing their types.
//!
//! Who may touch what (the state bits and the join-waker rules are in
//! [`super::state`]):
//! * `stage` while `Running(F)`: only the thread holding the `RUNNING` bit.
//! * `stage` once `COMPLETE`: the `JoinHandle` if `JOIN_INTEREST` was set at
//!   completion, otherwise the completing thread (which drops the output).
//!   Anyone may drop it in `dealloc`, when no other reference exists.
//! * `join_waker`: as the numbered rules in [`super::state`] say.
//! * `header` fields other than `state`, `polls`, `registry_slot` and
//!   `wait` are immutable after spawn.
//!
//! # Freeing the cell: raw pointers, never a reference across the free
//!
//! Whoever drops the last reference frees the cell — often the very function
//! that was working on it (completion drops the poller's reference). A Rust
//! reference to the cell that is a function argument stays "protected" until
//! that function returns, so freeing the cell under it is undefined behaviour
//! even if it is never used again (Miri reports it). The harness below
//! therefore holds a typed raw pointer ([`Harness`]) and reaches each field
//! through a short-lived reference made on the spot; no function that may
//! free the cell takes a reference into it. The scheduler is reached through
//! its `Arc`'s target, which lives in its own allocation, so scheduling a task
//! (which may let another worker run and free it at once) holds nothing into
//! the cell either.

use super::state::{Snapshot, State, ToIdle, ToRunning, Wake};
use super::waker::waker_ref;
use super::{Meta, Schedule};
use crate::context;
use crate::coop;
use crate::loom::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use crate::loom::cell::UnsafeCell;
use crate::loom::Arc;
use runtime_blocking::{Id, JoinError};
use std::any::Any;
use std::future::Future;
use std::mem;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

/// The untyped part of every task, first in the cell.
#[repr(C)]
pub(crate) struct Header {
    pub(crate) state: State,
    vtable: &'static Vtable,
    pub(crate) id: Id,
    /// The name, boxed with whatever else only some tasks have, so that an
    /// unnamed task pays one word for it (the cell stays in malloc's fast
    /// size class, see the test at the end).
    pub(crate) extra: Option<Box<Extra>>,
    pub(crate) spawned_at: &'static Location<'static>,
    /// Polls so far; written only by the thread holding `RUNNING`.
    pub(crate) polls: AtomicU64,
    /// Where this task is in the registry ([`super::registry`]): its slot, or a
    /// mark (not bound, arriving, gone); the module docs there say who
    /// writes it when.
    pub(crate) registry_slot: AtomicUsize,
    /// What the task waits on, or when it was last woken (`waits.rs`, whose
    /// module docs say who writes it when).
    pub(crate) wait: AtomicU64,
}

/// The parts of a header that most tasks do not have.
pub(crate) struct Extra {
    pub(crate) name: Option<Box<str>>,
    /// The task's `runtime.spawn` span, for tokio-console (`console.rs`);
    /// only kept while enabled.
    #[cfg(feature = "console")]
    span: tracing::Span,
}

impl Extra {
    /// The extra parts of a task named `name`, if it needs any.
    fn new<S: Schedule>(
        name: Option<Box<str>>,
        id: Id,
        spawned_at: &'static Location<'static>,
    ) -> Option<Box<Extra>> {
        #[cfg(feature = "console")]
        {
            let span =
                crate::console::task_span(S::KIND, name.as_deref(), Some(id.as_u64()), spawned_at);
            if name.is_none() && span.is_disabled() {
                return None;
            }
            Some(Box::new(Extra { name, span }))
        }
        #[cfg(not(feature = "console"))]
        {
            let _ = (id, spawned_at);
            name.map(|name| Box::new(Extra { name: Some(name) }))
        }
    }
}

impl Header {
    /// The name given at spawn, if any.
    pub(crate) fn name(&self) -> Option<&str> {
        self.extra.as_ref().and_then(|e| e.name.as_deref())
    }

    /// The task's console span, if it has a live one.
    #[cfg(feature = "console")]
    pub(crate) fn span(&self) -> Option<&tracing::Span> {
        self.extra
            .as_ref()
            .map(|e| &e.span)
            .filter(|s| !s.is_disabled())
    }
}

/// Functions for one concrete `Cell<F, S>`. Each takes a pointer to a live
/// cell; the comment on each says which reference it consumes.
struct Vtable {
    /// Consumes a `Notified` reference: poll or cancel the task.
    run: unsafe fn(NonNull<Header>),
    /// Consumes a `Notified` reference: hand it to the task's scheduler.
    schedule: unsafe fn(NonNull<Header>),
    /// Frees the cell; called by whoever dropped the last reference.
    dealloc: unsafe fn(NonNull<Header>),
    /// Called by the `JoinHandle` (borrows its reference).
    try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// Consumes the `JoinHandle`'s reference.
    drop_join_handle: unsafe fn(NonNull<Header>),
    /// Consumes a reference (the registry's at shutdown, or one taken for
    /// the call by `JoinHandle::cancel_now`): cancel the task if idle.
    shutdown: unsafe fn(NonNull<Header>),
}

enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

#[repr(C)]
struct Cell<F: Future, S> {
    header: Header,
    scheduler: Arc<S>,
    stage: UnsafeCell<Stage<F>>,
    join_waker: UnsafeCell<Option<Waker>>,
}

/// A pointer to a task cell. Copying it copies no reference: the owner of a
/// `RawTask` must know which reference it is using (see `Task`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
}

impl RawTask {
    /// Allocates a task with three references (registry, `Notified`, `JoinHandle`).
    pub(crate) fn new<F, S>(future: F, scheduler: Arc<S>, id: Id, meta: Meta) -> RawTask
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        S: Schedule,
    {
        // SAFETY: `F` and its output are `Send`, so the task may be polled,
        // cancelled and completed on any thread.
        unsafe { RawTask::new_local(future, scheduler, id, meta) }
    }

    /// [`new`](Self::new) for a future or output that is not `Send`: a
    /// `LocalSet`'s task ([`super::local`]).
    ///
    /// # Safety
    /// Unless `F` and `F::Output` are `Send`, the caller must make sure that
    /// the future is only polled and dropped, and the output only produced
    /// and dropped, on one thread: every `Notified` of the task is run, and
    /// its registry shut down, on that thread only. (Wakers, `AbortHandle`s
    /// and the cell itself may still travel: they touch the state word and
    /// hand a `Notified` to the scheduler, never the future; a cell freed
    /// elsewhere holds no future, see [`super::local`].)
    pub(crate) unsafe fn new_local<F, S>(
        future: F,
        scheduler: Arc<S>,
        id: Id,
        meta: Meta,
    ) -> RawTask
    where
        F: Future + 'static,
        S: Schedule,
    {
        let Meta { name, spawned_at } = meta;
        let cell = Box::new(Cell {
            header: Header {
                state: State::new(),
                vtable: vtable::<F, S>(),
                id,
                extra: Extra::new::<S>(name, id, spawned_at),
                spawned_at,
                polls: AtomicU64::new(0),
                registry_slot: AtomicUsize::new(super::registry::UNBOUND),
                wait: AtomicU64::new(super::waits::SPAWNED),
            },
            scheduler,
            stage: UnsafeCell::new(Stage::Running(future)),
            join_waker: UnsafeCell::new(None),
        });
        // `Box::into_raw`, not `Box::leak`: no reference to the cell is ever
        // made, so every later access derives from this raw pointer.
        let ptr = NonNull::new(Box::into_raw(cell)).expect("Box is never null");
        RawTask { ptr: ptr.cast() }
    }

    /// # Safety
    /// `ptr` must point to a live task cell (it is the data pointer of one of
    /// this crate's task wakers).
    pub(crate) unsafe fn from_ptr(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    pub(crate) fn as_ptr(self) -> NonNull<Header> {
        self.ptr
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: a `RawTask` is only used while its user holds a reference,
        // so the cell is alive; the header is never mutated after spawn except
        // through atomics. The reference is made here, not passed in, so it
        // is never a protected argument of a function that frees the cell.
        unsafe { self.ptr.as_ref() }
    }

    fn vtable(&self) -> &'static Vtable {
        self.header().vtable
    }

    /// Consumes a `Notified` reference.
    pub(crate) fn run(self) {
        // SAFETY: the caller gives up a `Notified` reference, as `run` consumes.
        unsafe { (self.vtable().run)(self.ptr) }
    }

    /// Consumes a `Notified` reference.
    pub(crate) fn schedule(self) {
        // SAFETY: the caller gives up a `Notified` reference, as `schedule` consumes.
        unsafe { (self.vtable().schedule)(self.ptr) }
    }

    /// Consumes a reference: the registry's, or one taken for the call.
    pub(crate) fn shutdown(self) {
        // SAFETY: the caller gives up a reference, as `shutdown` consumes.
        unsafe { (self.vtable().shutdown)(self.ptr) }
    }

    /// # Safety
    /// `dst` must point to a `Poll<Result<T, JoinError>>` with `T` the task's
    /// output type, and the caller must hold the join interest.
    pub(crate) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.vtable().try_read_output)(self.ptr, dst, waker) }
    }

    /// Consumes the `JoinHandle`'s reference.
    pub(crate) fn drop_join_handle(self) {
        // SAFETY: the `JoinHandle` gives up its reference, as this consumes.
        unsafe { (self.vtable().drop_join_handle)(self.ptr) }
    }

    /// Drops `n` references the caller holds, freeing the cell if they were
    /// the last. The caller must hold no reference into the cell.
    fn drop_references(self, n: usize) {
        if self.header().state.ref_dec(n) {
            // SAFETY: we dropped the last reference, so nobody else can reach
            // the cell, and the `&Header` above ended with `ref_dec`.
            unsafe { (self.vtable().dealloc)(self.ptr) }
        }
    }

    /// Drops one reference the caller holds.
    pub(crate) fn drop_reference(self) {
        self.drop_references(1);
    }

    /// Consumes the waker's reference.
    pub(crate) fn wake_by_val(self) {
        match self.header().state.wake_by_val() {
            Wake::Submit => self.schedule(),
            // SAFETY: the transition dropped the last reference (ours).
            Wake::Dealloc => unsafe { (self.vtable().dealloc)(self.ptr) },
            Wake::Nothing => {}
        }
    }

    pub(crate) fn wake_by_ref(self) {
        if self.header().state.wake_by_ref() == Wake::Submit {
            self.schedule();
        }
    }

    /// `JoinHandle::abort` / `AbortHandle::abort`.
    pub(crate) fn remote_abort(self) {
        if self.header().state.transition_to_notified_and_cancel() == Wake::Submit {
            self.schedule();
        }
    }
}

// SAFETY: a task is created from a `Send` future with a `Send` output
// (`RawTask::new`), or under `new_local`'s contract that its future and
// output never leave their thread; its scheduler is `Send + Sync`; every
// access to its shared parts is ordered by the state word as the module docs
// describe.
unsafe impl Send for RawTask {}
// SAFETY: as above; `&RawTask` only gives access to the header's atomics and
// immutable fields.
unsafe impl Sync for RawTask {}

fn vtable<F, S>() -> &'static Vtable
where
    F: Future + 'static,
    S: Schedule,
{
    &Vtable {
        run: run::<F, S>,
        schedule: schedule::<F, S>,
        dealloc: dealloc::<F, S>,
        try_read_output: try_read_output::<F, S>,
        drop_join_handle: drop_join_handle::<F, S>,
        shutdown: shutdown::<F, S>,
    }
}

/// A typed raw pointer to a live cell, with the task's operations. Copying it
/// copies no reference count; see the module docs for why it holds no
/// reference to the cell.
struct Harness<F: Future, S> {
    cell: NonNull<Cell<F, S>>,
}

impl<F: Future, S> Clone for Harness<F, S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<F: Future, S> Copy for Harness<F, S> {}

impl<F, S> Harness<F, S>
where
    F: Future + 'static,
    S: Schedule,
{
    /// # Safety
    /// `ptr` must point to a live `Cell<F, S>` (the vtable is only reached
    /// through a cell of its own type), kept alive by a reference the caller
    /// holds for as long as it uses the harness short of giving that
    /// reference up.
    unsafe fn from_raw(ptr: NonNull<Header>) -> Self {
        Harness { cell: ptr.cast() }
    }

    fn raw(self) -> RawTask {
        RawTask {
            ptr: self.cell.cast(),
        }
    }

    fn header(&self) -> &Header {
        // SAFETY: the cell is alive while the harness is used (`from_raw`);
        // the reference covers only the header and lives only as long as the
        // caller's use of it.
        unsafe { &(*self.cell.as_ptr()).header }
    }

    /// The scheduler itself (the `Arc`'s target), not the `Arc` field: the
    /// returned reference points outside the cell, so it may outlive a free
    /// of the cell that the call it is passed to causes.
    fn scheduler(&self) -> &S {
        // SAFETY: as in `header`; the `&Arc` made here ends with the deref,
        // and the `S` it leads to is kept alive by the runtime, which owns
        // every scheduler for longer than any call into it.
        unsafe { &(*self.cell.as_ptr()).scheduler }
    }

    fn stage(&self) -> &UnsafeCell<Stage<F>> {
        // SAFETY: as in `header`; access to the contents follows the rules
        // in the module docs.
        unsafe { &(*self.cell.as_ptr()).stage }
    }

    fn join_waker(&self) -> &UnsafeCell<Option<Waker>> {
        // SAFETY: as in `header`; access to the contents follows the rules
        // in `task::state`.
        unsafe { &(*self.cell.as_ptr()).join_waker }
    }

    /// Polls (or cancels) the task. Consumes a `Notified` reference.
    fn run(self) {
        let raw = self.raw();
        match self.header().state.transition_to_running() {
            ToRunning::Stale => return raw.drop_reference(),
            ToRunning::Cancel => return self.cancel(),
            ToRunning::Poll => {}
        }

        let polls = &self.header().polls;
        polls.store(polls.load(Relaxed) + 1, Relaxed);
        let hooks = self.scheduler().hooks();
        let res = {
            let waker = waker_ref(&raw);
            let mut cx = Context::from_waker(&waker);
            // `task::id()` / `task::current()` inside the poll (and its
            // hooks); ends here.
            let _current = context::enter_task(raw);
            // The console counts a poll per entry into the task's span.
            #[cfg(feature = "console")]
            let _span = self.header().span().map(|s| s.clone().entered());
            if let Some(hooks) = hooks {
                hooks.before_poll(self.header());
            }
            let res = coop::with_budget(|| {
                catch_unwind(AssertUnwindSafe(|| {
                    self.stage().with_mut(|stage| {
                        // SAFETY: we hold `RUNNING`, so we own the stage.
                        let stage = unsafe { &mut *stage };
                        let Stage::Running(fut) = stage else {
                            unreachable!("task polled after completion");
                        };
                        // SAFETY: the future lives in the heap cell and is never
                        // moved (it is dropped in place), so pinning it is sound.
                        unsafe { Pin::new_unchecked(fut) }.poll(&mut cx)
                    })
                }))
            });
            if let Some(hooks) = hooks {
                hooks.after_poll(self.header());
            }
            res
        };

        match res {
            Ok(Poll::Pending) => match self.header().state.transition_to_idle() {
                ToIdle::Idle => raw.drop_reference(),
                // Our reference becomes the new `Notified`; a task that woke
                // itself goes behind the others (that is what `yield_now` asks).
                ToIdle::Reschedule => self
                    .scheduler()
                    .schedule(super::Notified::from_raw(raw), true),
                ToIdle::Cancel => self.cancel(),
            },
            Ok(Poll::Ready(out)) => {
                let out = match self.drop_future() {
                    Ok(()) => Ok(out),
                    Err(panic) => Err(JoinError::panic(self.header().id, panic)),
                };
                self.complete(out);
            }
            Err(panic) => {
                // The poll panicked: the future is dropped here; a panic from its
                // destructor too is dropped in favour of the first one.
                let _ = self.drop_future();
                self.complete(Err(JoinError::panic(self.header().id, panic)));
            }
        }
    }

    /// Drops the future in place. Must hold `RUNNING`.
    fn drop_future(self) -> Result<(), Box<dyn Any + Send>> {
        // The future's destructor may ask for `task::id()` too, as in tokio.
        let _current = context::enter_task(self.raw());
        catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: the caller holds `RUNNING`, so we own the stage. The
            // assignment drops the future in place (no move, so pinning holds)
            // and leaves `Consumed` even if that drop panics.
            self.stage()
                .with_mut(|stage| unsafe { *stage = Stage::Consumed })
        }))
    }

    /// Holding `RUNNING` on a cancelled task: drop the future and finish.
    /// Consumes the caller's reference.
    fn cancel(self) {
        let id = self.header().id;
        let out = match self.drop_future() {
            Ok(()) => JoinError::cancelled(id),
            Err(panic) => JoinError::panic(id, panic),
        };
        self.complete(Err(out));
    }

    /// Stores the output, publishes `COMPLETE`, notifies the joiner, leaves
    /// the registry. Consumes the caller's reference (and the registry's).
    fn complete(self, out: Result<F::Output, JoinError>) {
        if let Some(hooks) = self.scheduler().hooks() {
            hooks.terminated(self.header());
        }
        // Leave the registry first, so a joiner that sees the output never
        // sees the task still counted as alive. We still hold `RUNNING` and
        // our own reference, so nothing can free or claim the task meanwhile.
        let refs = match self.scheduler().release(self.raw()) {
            Some(registry_ref) => {
                // Dropped together with ours below in one atomic step.
                mem::forget(registry_ref);
                2
            }
            None => 1,
        };
        // SAFETY: we hold `RUNNING`, so we own the stage (now `Consumed`).
        self.stage()
            .with_mut(|stage| unsafe { *stage = Stage::Finished(out) });
        let prev = self.header().state.transition_to_complete();
        if !prev.is_join_interested() {
            // Nobody will read the output: it is ours to drop.
            self.drop_unclaimed_output();
        } else if prev.is_join_waker_set() {
            // Rule 3 of `task::state`: the field is ours until we unset the bit.
            let woke = catch_unwind(AssertUnwindSafe(|| {
                self.join_waker().with(|w| {
                    // SAFETY: `JOIN_WAKER` was set when `COMPLETE` was
                    // published, so the waker is in the field and ours.
                    unsafe { (*w).as_ref() }.map(Waker::wake_by_ref)
                })
            }));
            if woke.is_err() {
                tracing::error!(task.id = %self.header().id, "a join waker panicked in `wake`");
            }
            if !self
                .header()
                .state
                .unset_join_waker_after_complete()
                .is_join_interested()
            {
                // The handle is gone: nobody else will drop the waker.
                self.drop_join_waker();
            }
        }
        self.raw().drop_references(refs);
    }

    /// Empties the join waker field; a panic in the waker's `drop` is
    /// contained. The caller must own the field ([`super::state`], rules 3 and 4).
    fn drop_join_waker(self) {
        let dropped = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: the caller owns the field.
            let w = self.join_waker().with_mut(|w| unsafe { (*w).take() });
            drop(w);
        }));
        if dropped.is_err() {
            tracing::error!(task.id = %self.header().id, "a join waker panicked in `drop`");
        }
    }

    /// Drops an output nobody will read, first reporting it if it is a panic
    /// (asyncio's "Task exception was never retrieved"). A panic from the
    /// output's destructor is contained. The caller must own the stage:
    /// `COMPLETE`, and either no join interest or the `JoinHandle` itself.
    fn drop_unclaimed_output(self) {
        self.stage().with(|stage| {
            // SAFETY: the caller owns the stage (see above).
            if let Stage::Finished(Err(e)) = unsafe { &*stage } {
                if e.is_panic() {
                    self.scheduler().unhandled_panic(self.header(), e);
                }
            }
        });
        let dropped = catch_unwind(AssertUnwindSafe(|| {
            self.stage().with_mut(|stage| {
                // SAFETY: the caller owns the stage (see above).
                unsafe { *stage = Stage::Consumed }
            })
        }));
        drop(dropped);
    }

    /// The `JoinHandle`'s side of the join-waker protocol: true if the output
    /// can be read now; otherwise `waker` will be woken on completion.
    fn can_read_output(self, waker: &Waker) -> bool {
        let state = &self.header().state;
        let snapshot = state.load();
        if snapshot.is_complete() {
            return true;
        }
        let res = if snapshot.is_join_waker_set() {
            // SAFETY: `JOIN_WAKER` is set and `COMPLETE` was not: the field is
            // shared read-only (rule 2), and only a completer that set
            // `COMPLETE` since may use it — also only to read while our
            // join interest lasts.
            let same = self
                .join_waker()
                .with(|w| unsafe { (*w).as_ref() }.is_some_and(|w| w.will_wake(waker)));
            if same {
                return false;
            }
            state
                .unset_join_waker()
                .and_then(|_| self.set_join_waker(waker.clone()))
        } else {
            self.set_join_waker(waker.clone())
        };
        match res {
            Ok(_) => false,
            Err(s) => {
                debug_assert!(s.is_complete());
                true
            }
        }
    }

    /// Stores `waker` and publishes it. The caller owns the field
    /// (`JOIN_WAKER` clear; rule 1).
    fn set_join_waker(self, waker: Waker) -> Result<Snapshot, Snapshot> {
        // SAFETY: `JOIN_WAKER` is clear and we hold the join interest, so the
        // field is ours alone. The old waker (if any) is dropped outside the
        // closure, after the field holds the new one.
        let old = self
            .join_waker()
            .with_mut(|w| unsafe { (*w).replace(waker) });
        drop(old);
        let res = self.header().state.set_join_waker();
        if res.is_err() {
            // Completed first: the field stays ours; don't keep the waker alive.
            // SAFETY: as above, `JOIN_WAKER` is still clear.
            let w = self.join_waker().with_mut(|w| unsafe { (*w).take() });
            drop(w);
        }
        res
    }

    /// Consumes the `JoinHandle`'s reference (rule 4 of [`super::state`]).
    fn drop_join_handle(self) {
        if self.header().state.join_handle_is_last() {
            // The common end of a joined task, in no atomic write.
            self.drop_unclaimed_output();
            self.drop_join_waker();
            // SAFETY: ours was the last reference (above), and no reference
            // into the cell outlives these calls.
            return unsafe { (self.raw().vtable().dealloc)(self.raw().ptr) };
        }
        let dropped = self.header().state.transition_to_join_handle_dropped();
        if dropped.drop_output {
            // Complete, and the output (if not read) is ours to drop — and a
            // panic in it still must not vanish silently.
            self.drop_unclaimed_output();
        }
        if dropped.drop_waker {
            self.drop_join_waker();
        }
        self.raw().drop_reference();
    }
}

unsafe fn run<F, S>(ptr: NonNull<Header>)
where
    F: Future + 'static,
    S: Schedule,
{
    // SAFETY: the vtable is only reached through a cell of this type, and the
    // caller's `Notified` reference keeps it alive until `run` gives it up.
    unsafe { Harness::<F, S>::from_raw(ptr) }.run();
}

unsafe fn schedule<F, S>(ptr: NonNull<Header>)
where
    F: Future + 'static,
    S: Schedule,
{
    // SAFETY: the caller's `Notified` reference keeps this cell alive until
    // it is handed over below; `scheduler()` leads outside the cell.
    let harness = unsafe { Harness::<F, S>::from_raw(ptr) };
    let notified = super::Notified::from_raw(harness.raw());
    harness.scheduler().schedule(notified, false);
}

unsafe fn dealloc<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: the last reference is gone, so nothing else can observe the cell;
    // it was allocated as a `Box<Cell<F, S>>` in `RawTask::new`.
    drop(unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) });
}

unsafe fn try_read_output<F, S>(ptr: NonNull<Header>, dst: *mut (), waker: &Waker)
where
    F: Future + 'static,
    S: Schedule,
{
    // SAFETY: the `JoinHandle`'s reference keeps the cell alive.
    let harness = unsafe { Harness::<F, S>::from_raw(ptr) };
    if harness.can_read_output(waker) {
        // SAFETY: `COMPLETE` with our `JOIN_INTEREST`: the stage is ours.
        let stage = harness
            .stage()
            .with_mut(|stage| unsafe { mem::replace(&mut *stage, Stage::Consumed) });
        let Stage::Finished(out) = stage else {
            panic!("`JoinHandle` polled after it returned `Poll::Ready`");
        };
        let dst = dst.cast::<Poll<Result<F::Output, JoinError>>>();
        // SAFETY: the caller passes a `Poll<Result<F::Output, JoinError>>`
        // (the `JoinHandle<T>` is typed by the same `F::Output`).
        unsafe { *dst = Poll::Ready(out) };
    }
}

unsafe fn drop_join_handle<F, S>(ptr: NonNull<Header>)
where
    F: Future + 'static,
    S: Schedule,
{
    // SAFETY: the `JoinHandle`'s reference keeps the cell alive until
    // `drop_join_handle` gives it up.
    unsafe { Harness::<F, S>::from_raw(ptr) }.drop_join_handle();
}

unsafe fn shutdown<F, S>(ptr: NonNull<Header>)
where
    F: Future + 'static,
    S: Schedule,
{
    // SAFETY: the reference passed to us keeps the cell alive until it is
    // given up below.
    let harness = unsafe { Harness::<F, S>::from_raw(ptr) };
    if !harness.scheduler().may_drop_futures_here() {
        // A `LocalSet`'s task, cancelled through its handle on another
        // thread (`JoinHandle::cancel_now`): its future may only be dropped
        // on the set's thread, so abort it as `abort` does.
        harness.raw().remote_abort();
        return harness.raw().drop_reference();
    }
    if harness.header().state.transition_to_shutdown() {
        // We hold `RUNNING` now. `complete` drops the reference we were
        // given, and the registry's too if it still holds one (shutdown
        // took it out already; `JoinHandle::cancel_now` did not).
        harness.cancel();
    } else {
        harness.raw().drop_reference();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::task::{Notified, Task};

    struct NoSched;
    impl Schedule for NoSched {
        fn schedule(&self, _: Notified, _: bool) {}
        fn release(&self, _: RawTask) -> Option<Task> {
            None
        }
    }

    /// glibc frees a chunk of up to 128 bytes (a 120-byte request) that
    /// another thread allocated with one lock-free push onto a fast bin; a
    /// bigger one takes the allocating thread's arena lock, which the
    /// spawning worker holds for every `malloc`. Half the tasks of a
    /// spawn-heavy program are freed on another worker than the one that
    /// spawned them, so keeping a small task (a future of a few words) in
    /// that class made `spawn_many_local` about 40 % faster on 2 workers.
    /// This test stops the header or the stage from growing past it.
    #[test]
    fn a_small_task_cell_stays_in_mallocs_fast_size_class() {
        let counter = std::sync::Arc::new(AtomicUsize::new(0));
        let i = 5usize;
        let fut = async move {
            std::hint::black_box(i);
            counter.fetch_add(1, Relaxed);
        };
        fn cell_size<F: Future>(_: &F) -> usize {
            mem::size_of::<Cell<F, NoSched>>()
        }
        assert_eq!(
            mem::size_of_val(&fut),
            24,
            "the test's future is meant to be 3 words"
        );
        assert!(cell_size(&fut) <= 120, "cell is {} bytes", cell_size(&fut));
    }
}
