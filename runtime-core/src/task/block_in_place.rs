//! `block_in_place`: run blocking code on this worker's thread, after
//! handing the worker's queue to another thread (tokio's, same name).
//!
//! The hand-off itself — the worker's core into its slot, a replacement
//! thread, taking the core back — is the worker loop's business
//! (`scheduler/multi_thread/worker.rs`, "The core moves"); this file decides,
//! from where it is called, whether there is a worker to hand off.

use crate::context;
use crate::scheduler::multi_thread::{worker, Shared};
use crate::scheduler::Handle;

/// Runs the blocking closure `f` right here, on the current thread, without
/// stalling the runtime's other tasks: tokio's `task::block_in_place`.
///
/// On a multi-thread runtime's worker, the worker first hands its queue and
/// its LIFO slot to a replacement thread (from the blocking pool), which
/// runs them while `f` blocks; this thread is no worker meanwhile. When `f`
/// returns, the task that called it goes on from there, on this thread — and
/// the thread takes its worker back if the replacement has not started yet,
/// or else leaves the worker pool once that poll is over. So, unlike
/// [`spawn_blocking`](crate::spawn_blocking), `f` may borrow from the task
/// (no `Send` or `'static` bound), at the price of the whole task being
/// blocked, and of a thread start when the pool has none idle. (With the
/// pool at its [`max_blocking_threads`](crate::Builder::max_blocking_threads)
/// limit, the replacement waits for a free pool thread, and the worker's
/// tasks with it.)
///
/// Inside `f` the thread does not count as running a runtime: `f` may
/// [`Handle::block_on`](crate::Handle::block_on) async code, and
/// [`Handle::current`](crate::Handle::current) and `spawn` work.
///
/// ```
/// let rt = runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// let total = rt.block_on(async {
///     runtime::spawn(async {
///         let data = vec![1u64, 2, 3];
///         // A borrow: no `Send + 'static` closure needed.
///         runtime::task::block_in_place(|| data.iter().sum::<u64>())
///     })
///     .await
///     .unwrap()
/// });
/// assert_eq!(total, 6);
/// ```
///
/// Elsewhere: on a multi-thread runtime's `block_on` thread (no worker there
/// to hand off), inside `spawn_blocking`, or outside any runtime, it just
/// runs `f`.
///
/// # Panics
/// On a current-thread runtime, whose one thread runs every task: blocking
/// it would stall them all (as in tokio). Use
/// [`spawn_blocking`](crate::spawn_blocking) there.
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    // The flavor check stays out of `with_current`'s closure: a closure does
    // not inherit `#[track_caller]`, and the panic must point at the user.
    let on_worker = worker::with_current(|cx| cx.is_some());
    if !on_worker && context::in_runtime() {
        if let Some(Handle::Current(_)) = context::current() {
            panic!(
                "`block_in_place` called on a current-thread runtime, whose one thread runs \
                 every task: blocking it would stall them all. Use \
                 `runtime::spawn_blocking(f).await` to run blocking code on the blocking \
                 pool (or a multi-thread runtime, where `block_in_place` hands this \
                 worker's tasks to another thread)"
            );
        }
    }
    if !on_worker {
        // Not a worker: a multi-thread `block_on` thread, a blocking-pool
        // thread, or no runtime at all. Nothing to hand off.
        let _exit = context::exit_runtime();
        return f();
    }
    worker::with_current(|cx| {
        let cx = cx.expect("checked above");
        // No core to give when the thread already gave it (a second call
        // in the poll that made the first) — then `f` just runs.
        let handed = cx.hand_off_core();
        if handed {
            Shared::start_replacement(cx.shared_arc(), cx.index());
        }
        /// Restores the thread after `f`, even if it panics.
        struct Reset<'a> {
            cx: &'a worker::WorkerCx,
            handed: bool,
            _exit: context::ExitRuntimeGuard,
        }
        impl Drop for Reset<'_> {
            fn drop(&mut self) {
                if self.handed {
                    // A worker again, or none: `worker.rs` carries on.
                    let _ = self.cx.reclaim_core();
                }
            }
        }
        let _reset = Reset {
            cx,
            handed,
            _exit: context::exit_runtime(),
        };
        f()
    })
}
