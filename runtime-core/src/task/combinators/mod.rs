//! asyncio's task combinators: [`gather`](fn@gather), [`try_gather`], [`as_completed`](fn@as_completed),
//! [`wait`](fn@wait), [`wait_for`](fn@wait_for), [`JoinSet`] and [`TaskGroup`].
//!
//! | asyncio | here |
//! | --- | --- |
//! | `gather(*aws, return_exceptions=True)` | [`gather`](fn@gather) |
//! | `gather(*aws)` | [`try_gather`] (the siblings of a failure are dropped, not orphaned) |
//! | `as_completed(aws)` | [`as_completed`](fn@as_completed), yielding `(index, output)`; lazy; `.limit(n)` |
//! | `wait(aws, timeout, return_when)` | [`wait`](fn@wait) with [`ReturnWhen`] |
//! | `wait_for(aw, t)` | [`wait_for`](fn@wait_for) (aborts the task on expiry) |
//! | `TaskGroup` | [`TaskGroup`] (spawn order, the first failure cancels the rest), or [`JoinSet`] (completion order); both abort their tasks when dropped |
//!
//! How they work. `gather`, `try_gather`, `as_completed` and `wait` all keep
//! their inputs in a `futures_util::stream::FuturesUnordered`, each tagged
//! with its input index ([`indexed`]). `FuturesUnordered` gives every input
//! its own waker that queues just that input, so a wake-up costs one poll of
//! the woken input, not a sweep over all n — a gather of a million futures
//! does a million polls in total, not n². It also yields to the scheduler
//! when its inputs keep waking themselves, so the cooperative budget of the
//! join handles it polls still works. The inputs run inside the caller's
//! task: none of these spawn anything.
//!
//! An input's future is dropped the moment it finishes (before its output
//! is handed on), which is what lets `as_completed(..).limit(n)` promise at
//! most n *alive* futures: it pulls the next input from the iterator only
//! when one has gone.
//!
//! `wait` needs the unfinished handles back: its inputs are join handles
//! (`Unpin`), so it takes them out of the set with `into_iter` when it
//! returns. `wait_for` is a join handle raced against a timer; on expiry it
//! aborts the task and then awaits the handle, so the task's future has been
//! dropped by the time `Elapsed` comes back.
//!
//! `JoinSet` is a `FuturesUnordered` of join handles; its `Drop` aborts them
//! all (a lone `JoinHandle` detaches when dropped). `TaskGroup` is one too,
//! each handle tagged with its spawn index; on a failure, and when it is
//! dropped, it cancels its tasks through `JoinHandle::cancel_now`, which
//! drops an idle task's future on the spot (runtime shutdown's path for one
//! task), so a cancelled group leaves nothing behind in `all_tasks`.
//!
//! What dropping each one does to the tasks whose handles it holds: `gather`,
//! `try_gather`, `as_completed`, `wait` and `wait_for` drop the handles,
//! which detaches the tasks; `JoinSet` and `TaskGroup` abort them. Wrap a
//! handle with `JoinHandle::abort_on_drop` to make any of the first five
//! cancel it.

mod as_completed;
mod gather;
mod indexed;
mod join_set;
mod task_group;
mod wait;
mod wait_for;

pub use as_completed::{as_completed, AsCompleted};
pub use gather::{gather, try_gather, Gather, TryGather};
pub use join_set::JoinSet;
pub use task_group::TaskGroup;
pub use wait::{wait, ReturnWhen, Wait};
pub use wait_for::{wait_for, WaitFor};
