//! Per-thread runtime context: which runtime this thread belongs to (for
//! `Handle::current` and `spawn`), whether it is inside a runtime (to refuse
//! nested `block_on`), the cooperative budget of the task being polled, and
//! which task that is (for `task::id` and `task::current`).

use crate::loom::thread_local;
use crate::scheduler;
use crate::task::RawTask;
use std::cell::{Cell, RefCell};
use std::marker::PhantomData;

struct Context {
    handle: RefCell<Option<scheduler::Handle>>,
    /// Inside `block_on` or on a worker thread: blocking on another runtime
    /// here would deadlock or starve this one.
    in_runtime: Cell<bool>,
    /// Remaining budget of the current poll; `None` outside budgeted polls.
    budget: Cell<Option<u8>>,
    /// Guards alive on this thread: the newest one's `depth`. Guards must
    /// be dropped newest first, since each restores what was current
    /// before it.
    depth: Cell<usize>,
    /// The task whose future this thread is polling or dropping right now;
    /// set only by a [`TaskGuard`], which the harness holds across that
    /// poll or drop, so the task is alive (the harness holds a reference)
    /// whenever this is `Some`.
    current_task: Cell<Option<RawTask>>,
}

// loom's `thread_local!` has no `const` form, and this must read the same under both.
thread_local! {
    #[allow(clippy::missing_const_for_thread_local)]
    static CONTEXT: Context = Context {
        handle: RefCell::new(None),
        in_runtime: Cell::new(false),
        budget: Cell::new(None),
        depth: Cell::new(0),
        current_task: Cell::new(None),
    };
}

/// The runtime of the current thread, if any.
pub(crate) fn current() -> Option<scheduler::Handle> {
    CONTEXT
        .try_with(|c| c.handle.borrow().clone())
        .ok()
        .flatten()
}

/// Calls `f` with the current runtime's handle, without cloning it.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&scheduler::Handle>) -> R) -> R {
    let mut f = Some(f);
    match CONTEXT.try_with(|c| (f.take().unwrap())(c.handle.borrow().as_ref())) {
        Ok(r) => r,
        Err(_) => (f.take().unwrap())(None),
    }
}

/// The runtime of the current thread.
///
/// # Panics
/// Outside a runtime, with `what` ("`runtime::spawn` called", ...) followed
/// by "outside a runtime" and how to get into one — the one wording of this
/// error for every entry point.
#[track_caller]
pub(crate) fn current_or_panic(what: std::fmt::Arguments<'_>) -> scheduler::Handle {
    match current() {
        Some(handle) => handle,
        None => panic!(
            "{what} outside a runtime: {}",
            crate::TryCurrentError::message()
        ),
    }
}

pub(crate) fn in_runtime() -> bool {
    CONTEXT.try_with(|c| c.in_runtime.get()).unwrap_or(false)
}

pub(crate) fn budget() -> Option<u8> {
    CONTEXT.try_with(|c| c.budget.get()).ok().flatten()
}

pub(crate) fn set_budget(b: Option<u8>) {
    let _ = CONTEXT.try_with(|c| c.budget.set(b));
}

/// The task being polled (or whose future is being dropped) on this thread;
/// see `Context::current_task` for why it is alive while this is `Some`.
pub(crate) fn current_task() -> Option<RawTask> {
    CONTEXT.try_with(|c| c.current_task.get()).ok().flatten()
}

/// Makes `task` this thread's current task until dropped, then restores the
/// previous one (also when a panic unwinds through it). Held by the task
/// harness around each poll and around the drop of the future.
pub(crate) struct TaskGuard {
    prev: Option<RawTask>,
    _not_send: PhantomData<*const ()>,
}

pub(crate) fn enter_task(task: RawTask) -> TaskGuard {
    let prev = CONTEXT
        .try_with(|c| c.current_task.replace(Some(task)))
        .ok()
        .flatten();
    TaskGuard {
        prev,
        _not_send: PhantomData,
    }
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|c| c.current_task.set(self.prev));
    }
}

/// Restores the previous context when dropped. Guards nest: they must be
/// dropped in the reverse order of their creation, on the thread that made
/// them (hence `!Send`).
pub(crate) struct EnterGuard {
    prev_handle: Option<scheduler::Handle>,
    prev_in_runtime: bool,
    /// The thread's `Context::depth` while this guard is the newest.
    depth: usize,
    /// The tokio bridge's context, entered with this runtime's (a runtime
    /// built with `Builder::tokio_bridge`); dropped after ours is restored.
    #[cfg(feature = "tokio-bridge")]
    _tokio: Option<tokio::runtime::EnterGuard<'static>>,
    _not_send: PhantomData<*const ()>,
}

impl EnterGuard {
    fn new(c: &Context, handle: scheduler::Handle, prev_in_runtime: bool) -> EnterGuard {
        #[cfg(feature = "tokio-bridge")]
        let tokio = handle.common().config.enter_tokio_bridge();
        let depth = c.depth.get() + 1;
        c.depth.set(depth);
        EnterGuard {
            prev_handle: c.handle.replace(Some(handle)),
            prev_in_runtime,
            depth,
            #[cfg(feature = "tokio-bridge")]
            _tokio: tokio,
            _not_send: PhantomData,
        }
    }
}

/// Makes `handle` current (`Handle::current`, `spawn`) without marking the
/// thread as running a runtime: `Handle::enter`.
pub(crate) fn set_current(handle: scheduler::Handle) -> EnterGuard {
    CONTEXT.with(|c| EnterGuard::new(c, handle, c.in_runtime.get()))
}

/// Enters a runtime for `block_on` or a worker thread's life.
///
/// # Panics
/// If this thread is already inside a runtime: blocking it would stall every
/// task that runtime expects this thread to run.
#[track_caller]
pub(crate) fn enter_runtime(handle: scheduler::Handle) -> EnterGuard {
    // The check and the panic stay out of `CONTEXT.with`'s closure: a
    // closure does not inherit `#[track_caller]`, and the panic must point
    // at the user's `block_on`, not at this file.
    let nested = CONTEXT.with(|c| c.in_runtime.replace(true));
    if nested {
        panic!(
            "cannot block on a runtime from inside a runtime: this thread is already \
             running async tasks (nested `block_on`, or `#[runtime::main]` called from \
             async code). Await the future instead, or use `runtime::spawn` / \
             `spawn_blocking` to run it elsewhere."
        );
    }
    CONTEXT.with(|c| EnterGuard::new(c, handle, false))
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let prev = self.prev_handle.take();
        let in_rt = self.prev_in_runtime;
        let depth = self.depth;
        let _ = CONTEXT.try_with(|c| {
            if c.depth.get() != depth {
                // Restoring our `prev` would make current a runtime that a
                // newer guard entered and an older one may already have
                // left. Say so — unless the thread is unwinding, where a
                // second panic would abort the process: then leave the
                // context alone (the newer guard restores it).
                if !std::thread::panicking() {
                    panic!(
                        "EnterGuard values dropped out of order. Guards returned by \
                         `Handle::enter()` must be dropped in the reverse order as they \
                         were acquired."
                    );
                }
                return;
            }
            c.depth.set(depth - 1);
            c.in_runtime.set(in_rt);
            // Dropped outside the borrow: a handle's drop may end a runtime.
            let old = c.handle.replace(prev);
            drop(old);
        });
    }
}

/// Marks this thread as no longer running a runtime until the guard drops,
/// leaving the current handle in place: `block_in_place`'s closure may
/// `block_on` (as in tokio), and `Handle::current` still works in it.
pub(crate) fn exit_runtime() -> ExitRuntimeGuard {
    ExitRuntimeGuard {
        prev: CONTEXT.with(|c| c.in_runtime.replace(false)),
        _not_send: PhantomData,
    }
}

/// Returned by [`exit_runtime`]; restores the thread's runtime flag.
pub(crate) struct ExitRuntimeGuard {
    prev: bool,
    _not_send: PhantomData<*const ()>,
}

impl Drop for ExitRuntimeGuard {
    fn drop(&mut self) {
        let prev = self.prev;
        let _ = CONTEXT.try_with(|c| c.in_runtime.set(prev));
    }
}
