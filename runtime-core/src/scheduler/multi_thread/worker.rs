//! One worker thread: find a task, run it, repeat; park when there is none.
//!
//! Search order, each tick:
//! 1. every `global_queue_interval`-th tick (61 by default), maintenance —
//!    the driver's I/O events (a zero-timeout poll) and due timers, whose
//!    woken tasks land in this worker's queue — then the injector first, so
//!    tasks from outside are not starved by a worker whose local queue never
//!    empties;
//! 2. the LIFO slot (the task most recently woken by the running task: the
//!    message-passing fast path), at most 3 times in a row — then its occupant
//!    goes to the back of the queue, so a ping-pong pair cannot starve the
//!    rest;
//! 3. the local queue, then a batch from the injector;
//! 4. as a *searcher* (at most half the workers search at once): steal half
//!    of a randomly chosen sibling's queue, trying each sibling once, then
//!    the LIFO task of a sibling stuck in a long poll ([`super::rescue`]),
//!    then the injector;
//! 5. park (see [`super::idle`] for the protocol): on the driver if no other
//!    worker is, else on its condition variable.
//!
//! # Yielding
//!
//! A task that yields (`yield_now`, or a spent cooperative budget) goes to
//! the back of the local queue, where siblings may steal it, and runs again
//! only after this worker has turned the driver — so a task that yields in
//! a loop until its I/O is there lets the reactor deliver it (tokio's
//! "defer"), and one turn serves every task that yielded before it. The
//! core counts the tasks pushed behind the oldest such task
//! (`Core::defer`); when the local queue is no longer than that count plus
//! one, the next local task is that one (or one behind it: steals take from
//! the front and only shorten the wait), and the worker turns the driver
//! first (`maintain`: a zero-timeout poll if any I/O resource is
//! registered, and the due timers). A yielded task stolen by a sibling
//! runs without waiting for that turn.
//!
//! A panic that escapes this loop (not a task's: those are caught around
//! each poll; not a waker's: those are caught where the runtime calls them,
//! [`crate::contain`]) is a bug in the runtime: the worker aborts the process
//! with a message, rather than leave a runtime whose tasks silently stop.
//!
//! The worker's `Core` (local queue, LIFO slot, counters, idle-protocol
//! flag) is reached through a thread-local pointer, because a task polled
//! here may schedule another task onto this very worker. The `RefCell` is
//! borrowed only briefly, never across a poll; a schedule that finds it
//! borrowed (a destructor running while the worker drains its queue) goes
//! to the injector instead.
//!
//! # The core moves: `block_in_place`
//!
//! A thread is worker `index` while it holds that index's `Core`; the core,
//! not the thread, carries the worker's place in the idle protocol
//! ([`super::idle`]: running, searching or parked — exactly one per index). At
//! start each core waits in its index's hand-off slot (`Remote::core`) and
//! the worker thread takes it. `block_in_place` (called from inside a poll,
//! so the core is "running" and not searching) puts the core back into the
//! slot and starts a replacement — `run` on a blocking-pool thread, as
//! tokio does — which takes it and carries on with the queue and the LIFO
//! slot as they are. Meanwhile the blocking closure runs in place; this
//! thread, without a core, is no worker: what it schedules goes to the
//! injector, and it writes none of the index's metrics. When the closure
//! returns, the thread takes the core back if it is still in the slot (the
//! replacement had not started; it will find the slot empty and return),
//! and is worker `index` again. Otherwise it finishes the poll it is in and
//! leaves the loop: its thread exits (a blocking-pool thread goes back to
//! its pool). The slot's mutex makes "take" exclusive, so one thread at a
//! time holds a core, and the idle state travels with it unchanged.

use super::Unparked;
use super::{LifoSlot, Shared, WorkerMetrics};
use crate::context;
use crate::loom::{thread_local, Arc};
use crate::scheduler::queue::{Local, LOCAL_CAPACITY};
use crate::scheduler::{Flavor, Handle};
use crate::task::Notified;
use std::cell::{Cell, RefCell};
use std::ptr;
use std::time::Instant;

/// LIFO-slot polls in a row before the slot's task has to queue.
const MAX_LIFO_STREAK: u8 = 3;

pub(crate) struct WorkerCx {
    shared: Arc<Shared>,
    index: usize,
    /// Worker `index`'s core while this thread is that worker; `None` once
    /// `block_in_place` handed it on (module docs).
    core: RefCell<Option<Box<Core>>>,
}

pub(crate) struct Core {
    local: Local,
    /// Consecutive tasks taken from the LIFO slot (`Remote::lifo`, the
    /// task woken most recently by the running task, run next).
    lifo_streak: u8,
    tick: u32,
    /// Tasks pushed onto the local queue after the oldest task that yielded
    /// since this worker last turned the driver; `None`: no such task. A
    /// yielded task runs only after a driver turn (module docs, "Yielding").
    defer: Option<u32>,
    rng: u32,
    /// Counted in `Idle`'s searching total.
    is_searching: bool,
    /// Start of the current busy span (since the last unpark, or since this
    /// thread took the core): `WorkerMetrics::busy_ns` grows by each span.
    pub(super) busy_since: Instant,
}

impl Core {
    pub(super) fn new(index: usize, local: Local) -> Box<Core> {
        Box::new(Core {
            local,
            lifo_streak: 0,
            tick: 0,
            defer: None,
            rng: (index as u32 + 1).wrapping_mul(0x9E37_79B9) | 1,
            is_searching: false,
            busy_since: Instant::now(),
        })
    }

    fn next_rand(&mut self) -> u32 {
        // xorshift32: cheap, good enough to spread victims.
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        x
    }
}

// loom's `thread_local!` has no `const` form.
thread_local! {
    #[allow(clippy::missing_const_for_thread_local)]
    /// The `WorkerCx` of this thread's worker loop, or null.
    static CURRENT: Cell<*const WorkerCx> = Cell::new(ptr::null());
}

pub(crate) fn with_current<R>(f: impl FnOnce(Option<&WorkerCx>) -> R) -> R {
    let p = CURRENT.try_with(Cell::get).unwrap_or(ptr::null());
    // SAFETY: `CURRENT` is non-null only while `WorkerCx::enter` (below) is
    // executing on this thread with the `WorkerCx` it points to alive (the
    // borrow `enter` takes outlives the call); it resets it (by guard, even
    // on unwind) before returning, and no other thread can read this
    // thread-local.
    f(unsafe { p.as_ref() })
}

/// The body of a thread that becomes worker `index`: takes the core from
/// the index's hand-off slot (returns at once if another thread took it
/// first: a late `block_in_place` replacement) and runs the worker loop
/// until shutdown, or until `block_in_place` hands the core on.
pub(crate) fn run(shared: Arc<Shared>, index: usize) {
    let Some(core) = shared.take_core(index) else {
        return;
    };
    let _enter = context::enter_runtime(Handle::Multi(shared.clone()));
    let cx = WorkerCx::new(shared, index, Some(core));
    /// Armed while the loop runs: an unwind out of it aborts (module docs).
    struct AbortOnUnwind;
    impl Drop for AbortOnUnwind {
        fn drop(&mut self) {
            if std::thread::panicking() {
                crate::contain::abort_worker_panicked();
            }
        }
    }
    cx.enter(|| {
        let _abort = AbortOnUnwind;
        cx.run_loop();
    });
    // No longer reachable as "current": anything scheduled from here on
    // (destructors of what we drop) goes to the injector.
    let Some(core) = cx.core.borrow_mut().take() else {
        // Handed on by `block_in_place`: nothing of the worker's is ours.
        return;
    };
    cx.metrics().not_polling();
    cx.metrics().add_busy(core.busy_since);
    let mut leftovers: Vec<Notified> = cx.lifo().pop().into_iter().collect();
    while let Some(t) = core.local.pop() {
        leftovers.push(t);
    }
    drop(leftovers);
}

impl WorkerCx {
    /// Worker `index` of `shared` as run by this thread, holding `core`
    /// (taken from the index's hand-off slot; `None`: handed on).
    pub(crate) fn new(shared: Arc<Shared>, index: usize, core: Option<Box<Core>>) -> WorkerCx {
        WorkerCx {
            shared,
            index,
            core: RefCell::new(core),
        }
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// Runs `f` with this context as the thread's current worker.
    pub(crate) fn enter<R>(&self, f: impl FnOnce() -> R) -> R {
        struct Reset(*const WorkerCx);
        impl Drop for Reset {
            fn drop(&mut self) {
                let _ = CURRENT.try_with(|c| c.set(self.0));
            }
        }
        let prev = CURRENT.with(|c| c.replace(self));
        let _reset = Reset(prev);
        f()
    }

    /// This worker's LIFO slot: its owner is whoever holds the core.
    fn lifo(&self) -> &LifoSlot {
        &self.shared.remotes[self.index].lifo
    }

    fn metrics(&self) -> &WorkerMetrics {
        self.shared.worker_metrics(self.index)
    }

    fn run_loop(&self) {
        while !self.shared.is_shutdown() {
            let Some((tick, yielded_next)) = self.with_core(|core| {
                core.tick = core.tick.wrapping_add(1);
                // The next local task is (or is behind) one that yielded
                // since the last driver turn (steals only move it closer).
                let yielded_next = core
                    .defer
                    .is_some_and(|after| core.local.len() <= after as usize + 1);
                (core.tick, yielded_next)
            }) else {
                return; // handed on during the last poll
            };
            let maintenance = tick % self.shared.common.config.global_queue_interval == 0;
            if maintenance || yielded_next {
                // With the core not borrowed, so that the tasks woken here
                // go to this worker's own queue.
                self.metrics().not_polling();
                crate::task::waits::refresh_coarse();
                self.shared.common.driver.maintain();
                self.with_core(|core| core.defer = None);
                if maintenance {
                    self.shared.common.registry.drain(self.index);
                }
            }
            let task = self.with_core(|core| {
                self.next_task(core, maintenance)
                    .or_else(|| self.steal_work(core))
            });
            match task {
                None => return,
                Some(Some(task)) => self.run_task(task),
                Some(None) => self.park(),
            }
        }
    }

    /// `f` on this thread's core; `None` if it was handed on.
    pub(crate) fn with_core<R>(&self, f: impl FnOnce(&mut Core) -> R) -> Option<R> {
        self.core.borrow_mut().as_deref_mut().map(f)
    }

    pub(crate) fn next_task(&self, core: &mut Core, injector_first: bool) -> Option<Notified> {
        if injector_first {
            if let Some(t) = self.shared.inject.pop_into(&core.local) {
                return Some(t);
            }
        }
        if let Some(t) = self.lifo().pop() {
            if core.lifo_streak < MAX_LIFO_STREAK {
                core.lifo_streak += 1;
                return Some(t);
            }
            self.push_local(core, t);
        }
        core.lifo_streak = 0;
        core.local
            .pop()
            .or_else(|| self.shared.inject.pop_into(&core.local))
    }

    fn steal_work(&self, core: &mut Core) -> Option<Notified> {
        if !core.is_searching {
            if !self.shared.idle.worker_to_searching() {
                return None;
            }
            core.is_searching = true;
        }
        let remotes = &self.shared.remotes;
        let n = remotes.len();
        let start = core.next_rand() as usize % n;
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == self.index {
                continue;
            }
            if let Some(t) = remotes[victim].steal.steal_into(&core.local) {
                WorkerMetrics::bump(&self.metrics().steals);
                return Some(t);
            }
        }
        // A stalled worker's LIFO task: the rescue path (`super::rescue`).
        if let Some(t) = self.shared.steal_stalled_lifo(start) {
            WorkerMetrics::bump(&self.metrics().steals);
            return Some(t);
        }
        self.shared.inject.pop_into(&core.local)
    }

    fn run_task(&self, task: Notified) {
        let was_searching = self
            .with_core(|core| std::mem::replace(&mut core.is_searching, false))
            .unwrap_or(false);
        if was_searching && self.shared.idle.worker_from_searching() {
            // We were the last searcher and found work: recruit one more
            // worker if there is more where this came from. A lone task
            // wakes nobody: that would cost its wake-up a futex call and a
            // sibling a pointless trip out of sleep.
            self.shared.recheck_as_last_searcher();
        }
        let metrics = self.metrics();
        WorkerMetrics::bump(&metrics.polls);
        let config = &self.shared.common.config;
        if config.watch_polls {
            metrics.polling(task.id().as_u64());
        }
        if config.schedule_latency {
            metrics.record_latency(task.header());
        }
        task.run();
    }

    /// Schedules `task` onto this worker. Gives it back if the core is busy
    /// (re-entrant call from a destructor) or handed on; the caller then
    /// uses the injector.
    pub(crate) fn schedule_local(&self, task: Notified, is_yield: bool) -> Option<Notified> {
        let Ok(mut guard) = self.core.try_borrow_mut() else {
            return Some(task);
        };
        let Some(core) = guard.as_deref_mut() else {
            return Some(task);
        };
        let notify = if is_yield {
            self.push_local(core, task);
            core.defer.get_or_insert(0);
            // A lone yielder has nobody to share with: waking a sibling for
            // it would only bounce it between threads.
            core.local.len() > 1
        } else if self.shared.common.config.disable_lifo_slot {
            // Stealable at once, and we are busy with the running task.
            self.push_local(core, task);
            true
        } else {
            match self.lifo().push(task) {
                Some(prev) => {
                    self.push_local(core, prev);
                    true
                }
                // Filling an empty slot makes nothing stealable.
                None => false,
            }
        };
        drop(guard);
        if notify {
            self.shared.notify_after_local_push();
        }
        None
    }

    /// Pushes to the local queue, first moving half of it to the injector
    /// if it is full (so the queue stays bounded and others can take them).
    fn push_local(&self, core: &mut Core, task: Notified) {
        if let Some(after) = &mut core.defer {
            *after += 1;
        }
        if core.local.len() >= LOCAL_CAPACITY {
            for _ in 0..LOCAL_CAPACITY / 2 {
                match core.local.pop() {
                    Some(t) => self.shared.inject.push(t),
                    None => break,
                }
            }
        }
        core.local.push(task);
    }

    fn park(&self) {
        let metrics = self.metrics();
        metrics.not_polling();
        let Some(was_searching) =
            self.with_core(|core| std::mem::replace(&mut core.is_searching, false))
        else {
            return;
        };
        WorkerMetrics::bump(&metrics.parks);
        // Free what other workers handed back, and adopt tasks spawned from
        // outside, before sleeping on them.
        self.shared.common.registry.drain(self.index);
        self.with_core(|core| metrics.add_busy(core.busy_since));
        WorkerMetrics::bump(&metrics.park_unpark);
        let left = self
            .shared
            .park_worker(self.index, was_searching, || self.has_local_work());
        WorkerMetrics::bump(&metrics.park_unpark);
        crate::scheduler::watchdog::wake(&self.shared.common);
        crate::task::waits::refresh_coarse();
        self.with_core(|core| {
            core.busy_since = Instant::now();
            if left == Unparked::Searching {
                core.is_searching = true;
            }
        });
    }

    /// Tasks in this worker's own LIFO slot or queue (woken by the driver
    /// while it was parked on it).
    fn has_local_work(&self) -> bool {
        self.core
            .borrow()
            .as_deref()
            .is_some_and(|core| self.lifo().is_occupied() || core.local.len() > 0)
    }

    /// `block_in_place`'s first step: puts this thread's core into its
    /// index's hand-off slot, ending the busy span and the current poll's
    /// watch. False if this thread has no core to give (handed on already,
    /// or borrowed: called from a destructor between polls).
    pub(crate) fn hand_off_core(&self) -> bool {
        let Ok(mut guard) = self.core.try_borrow_mut() else {
            return false;
        };
        let Some(core) = guard.take() else {
            return false;
        };
        drop(guard);
        let metrics = self.metrics();
        metrics.not_polling();
        metrics.add_busy(core.busy_since);
        self.shared.put_core(self.index, core);
        true
    }

    /// `block_in_place`'s last step: takes the core back if no replacement
    /// took it meanwhile. True if this thread is worker `index` again.
    pub(crate) fn reclaim_core(&self) -> bool {
        match self.shared.take_core(self.index) {
            Some(core) => {
                *self.core.borrow_mut() = Some(core);
                true
            }
            None => false,
        }
    }
}

/// `task::block_in_place` (its docs say what users see): hands this
/// worker's core to a replacement thread (module docs, "The core moves"),
/// runs `f`, and takes the core back if no replacement took it meanwhile.
/// Not on a worker, `f` just runs, with the thread marked as outside any
/// runtime; on a current-thread runtime this panics. Either way `f` runs
/// with no cooperative budget.
#[track_caller]
pub(crate) fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    // The flavor check stays out of `with_current`'s closure: a closure does
    // not inherit `#[track_caller]`, and the panic must point at the user.
    let on_worker = with_current(|cx| cx.is_some());
    if !on_worker && context::in_runtime() {
        let flavor = context::with_current(|h| h.map(|h| h.common().config.flavor));
        if flavor == Some(Flavor::CurrentThread) {
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
        return crate::coop::with_unconstrained(f);
    }
    with_current(|cx| {
        let cx = cx.expect("checked above");
        // No core to give when the thread already gave it (a second call
        // in the poll that made the first) — then `f` just runs.
        let handed = cx.hand_off_core();
        if handed {
            Shared::start_replacement(&cx.shared, cx.index);
        }
        /// Restores the thread after `f`, even if it panics.
        struct Reset<'a> {
            cx: &'a WorkerCx,
            handed: bool,
            _exit: context::ExitRuntimeGuard,
        }
        impl Drop for Reset<'_> {
            fn drop(&mut self) {
                if self.handed {
                    // A worker again, or none: the worker loop carries on.
                    let _ = self.cx.reclaim_core();
                }
            }
        }
        let _reset = Reset {
            cx,
            handed,
            _exit: context::exit_runtime(),
        };
        // The closure may drive the runtime's futures with an executor of
        // its own: the task's budget does not apply to it (tokio's rule).
        crate::coop::with_unconstrained(f)
    })
}
