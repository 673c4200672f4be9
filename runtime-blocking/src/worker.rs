//! The life of one pool thread: start hook, serve the queue, sleep, exit.
//!
//! The states and the hand-off rule are in [`crate::shared`]; this is the loop that
//! walks them. At the top of every turn the thread is *awake* (counted in
//! `State::awake`): it was counted by whoever started or woke it, and it
//! counts itself again after each job.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::internal::{run_hook, Panicked};
use crate::loom::{thread, thread_local, Arc, SPIN_ROUNDS};
use crate::shared::{Shared, Sleep, SHUT_DOWN};

thread_local! {
    /// The address of the pool this thread belongs to (0: none), so that a
    /// job shutting its own pool down does not wait for itself. The address
    /// cannot be reused while the thread lives: the thread owns an `Arc` to it.
    // loom's `thread_local!` has no `const { .. }` form; this one macro call
    // must compile under both.
    #[allow(clippy::missing_const_for_thread_local)]
    static CURRENT_POOL: Cell<usize> = Cell::new(0);

    /// This pool thread has shut its own pool down (it is counted in
    /// `Threads::self_shut`; see "Shutdown" in [`crate::shared`]).
    #[allow(clippy::missing_const_for_thread_local)]
    static SELF_SHUT: Cell<bool> = Cell::new(false);
}

/// The pool the calling thread serves, if it is a pool thread.
pub(crate) fn current_pool() -> Option<usize> {
    CURRENT_POOL.try_with(Cell::get).ok().filter(|&p| p != 0)
}

/// Marks the calling pool thread as one that shut its own pool down. True
/// the first time: then the caller counts it in `Threads::self_shut`.
pub(crate) fn mark_self_shutdown() -> bool {
    !SELF_SHUT.with(|c| c.replace(true))
}

/// The thread stops serving its pool: clears both marks. True if it was
/// counted as a self-shutdown (then it is uncounted as it leaves `live`).
fn leave_pool() -> bool {
    CURRENT_POOL.with(|c| c.set(0));
    SELF_SHUT.with(|c| c.replace(false))
}

/// The body of a pool thread. On entry it is counted in `num_threads`, `live`
/// and `awake`.
pub(crate) fn run(shared: Arc<Shared>) {
    CURRENT_POOL.with(|c| c.set(Arc::as_ptr(&shared) as usize));
    // A panicking start hook means this thread is not fit to run jobs (the
    // user's per-thread setup did not happen): it counts as a failed start.
    // The default panic hook has already printed the panic.
    if let Err(msg) = run_hook(shared.config.on_thread_start.as_deref()) {
        let self_shut = leave_pool();
        // Uncounts this thread everywhere, `live` included.
        let what = Panicked(msg.as_deref());
        shared.start_failed(&format!("the on_thread_start hook {what}"), self_shut);
        return;
    }
    serve(&shared);
    let _ = run_hook(shared.config.on_thread_stop.as_deref());
    let self_shut = leave_pool();
    shared.thread_exited(self_shut);
}

/// Runs jobs until keep-alive or shutdown says to leave. Returns with this
/// thread already removed from `num_threads`, `awake` and `sleeping`.
fn serve(shared: &Arc<Shared>) {
    loop {
        if let Some(job) = shared.queue.pop() {
            let old = shared.state.take_job();
            if old.is_shutdown() {
                // Picked up after shutdown began: cancelled, never run.
                job.cancel(SHUT_DOWN);
                shared.leave();
                return;
            }
            if old.awake() == 1 && old.queued() > 1 {
                // We were the last awake thread and more jobs wait: hand off
                // before running ours, which may block for a long time.
                Shared::wake_or_spawn(shared);
            }
            // `Job::run` contains the closure's panic; this contains a panic
            // from dropping an unwanted result, so the thread (and the
            // counts) survive any user code.
            let _ = catch_unwind(AssertUnwindSafe(|| job.run()));
            let _ = shared.state.wake();
            continue;
        }
        let now = shared.state.load();
        if now.is_shutdown() {
            let _ = shared.state.doze();
            shared.leave();
            return;
        }
        if now.queued() > 0 {
            // Counted but not poppable yet: a push (or another thread's pop)
            // is a few instructions from done.
            thread::yield_now();
            continue;
        }
        if spin(shared) {
            continue;
        }
        match shared.sleep() {
            Sleep::Woken => continue,
            Sleep::Exit => return,
        }
    }
}

/// Watches the state word for a while before sleeping, yielding the core in
/// between. Only one awake thread spins: others go to sleep at once. True if
/// work (or shutdown) showed up.
fn spin(shared: &Shared) -> bool {
    if shared.state.load().awake() > 1 {
        return false;
    }
    for _ in 0..SPIN_ROUNDS {
        thread::yield_now();
        let now = shared.state.load();
        if now.queued() > 0 || now.is_shutdown() {
            return true;
        }
    }
    false
}
