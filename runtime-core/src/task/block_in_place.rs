//! `block_in_place`: run blocking code on this worker's thread, after
//! handing the worker's queue to another thread (tokio's, same name). The
//! hand-off is the scheduler's business
//! ([`worker::block_in_place`](crate::scheduler::multi_thread::worker::block_in_place));
//! this file holds the user's docs.

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
/// The task's cooperative budget does not apply inside `f` (as in tokio):
/// `f` may drive the runtime's futures (join handles, timers) with an
/// executor of its own for as long as it likes.
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
    crate::scheduler::multi_thread::worker::block_in_place(f)
}
