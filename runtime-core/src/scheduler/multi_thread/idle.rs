//! Which workers are searching for work and which are parked, and every
//! step of the protocol that moves them: the notify after a push, the last
//! searcher's re-check, and the park loop. The loom models (`tests::loom_idle`,
//! built only under `--cfg loom`) call these functions, not copies of them.
//!
//! The goal: no lost wake-ups, no thundering herd, no spinning when idle.
//!
//! * `state` packs `num_unparked` (workers not asleep) and `num_searching`
//!   (workers looking for work to steal). At most half the workers search at
//!   once (`2 * searching < workers`), so idle workers don't all hammer the
//!   same queues.
//! * Whoever makes new work stealable (a push to the injector, or to a local
//!   queue that others may steal from) calls [`Idle::worker_to_notify`]: a
//!   worker is woken only if **nobody** is searching and someone is parked.
//!   The woken worker is counted as unparked and searching by the notifier,
//!   so a burst of pushes wakes one worker, not many.
//! * A searcher stops searching either because it found work
//!   ([`Idle::worker_from_searching`]) or to park
//!   ([`Idle::worker_to_parked`]). Either way, if it was the last searcher
//!   it must look at every queue once more: pushes made while it searched
//!   woke nobody. Work found there wakes one more worker (the ramp-up: each
//!   found task recruits at most one helper, and a lone task none).
//!
//! Why no wake-up is lost: the pusher does `push; fence(SeqCst); load state`,
//! the last searcher does `state -= searching (SeqCst RMW); fence(SeqCst);
//! look at the queues`. The two fences are ordered in SeqCst's single total
//! order. If the pusher's fence is first, the parker's look after its fence
//! sees the push. If the parker's fence is first, the pusher's load after its
//! fence sees `searching` already decremented, so it wakes a sleeper. Either
//! way somebody runs the task. (`sleepers` is a mutex-protected list; the
//! notifier re-checks `state` under it so two notifiers don't both wake.)
//!
//! A parked worker may spin for a moment before it really sleeps (while
//! blocking jobs are in flight, see [`Shared::park_worker`]); it is in
//! `sleepers` all the while, like any parked worker, but registered as the
//! `spinner`, and a notifier picks it first: waking it costs no system call
//! and no wake-up latency. Which sleeper is woken never matters for the
//! argument above.
//!
//! Where a parked worker sleeps: on the runtime's driver (timers and I/O) if
//! no other worker holds it, else on its condition variable
//! ([`crate::scheduler::park`]); an unpark reaches it either way. Tasks that the
//! driver wakes while it sleeps land in its own queue (it is still this
//! thread's worker), so the park loop also ends when the worker finds local
//! work: it takes itself off `sleepers` ([`Idle::unpark_self`]) and counts
//! itself as searching, as a notifier would have.

use super::Shared;
use crate::loom::atomic::{fence, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use crate::loom::{lock, Mutex, SPIN_ROUNDS};
use crate::task::Notified;

/// The most that the spin before sleeping may take, whatever its rounds
/// ([`SPIN_ROUNDS`], each a `sched_yield`: under a microsecond when nothing
/// else wants the core, longer when something does, so the spin stretches
/// when the job's thread is slow to get a core) cost.
const SPIN_MAX: std::time::Duration = std::time::Duration::from_micros(200);

const SEARCH_BITS: usize = 16;
const SEARCH_MASK: usize = (1 << SEARCH_BITS) - 1;
const UNPARK_ONE: usize = 1 << SEARCH_BITS;

pub(crate) struct Idle {
    /// `num_unparked << 16 | num_searching`; `num_searching <= num_unparked <= num_workers`.
    state: AtomicUsize,
    sleepers: Mutex<Sleepers>,
    num_workers: usize,
}

struct Sleepers {
    /// Indices of parked workers; a worker is in here iff it is parked and
    /// nobody has yet claimed to wake it.
    list: Vec<usize>,
    /// A parked worker that is still spinning; at most one.
    spinner: Option<usize>,
}

fn searching(s: usize) -> usize {
    s & SEARCH_MASK
}
fn unparked(s: usize) -> usize {
    s >> SEARCH_BITS
}

impl Idle {
    pub(crate) fn new(num_workers: usize) -> Idle {
        assert!(num_workers < SEARCH_MASK);
        Idle {
            state: AtomicUsize::new(num_workers * UNPARK_ONE),
            sleepers: Mutex::new(Sleepers {
                list: Vec::with_capacity(num_workers),
                spinner: None,
            }),
            num_workers,
        }
    }

    /// A worker out of local work asks to search. False: enough are already
    /// searching; the caller should park instead.
    pub(crate) fn worker_to_searching(&self) -> bool {
        let s = self.state.load(SeqCst);
        if 2 * searching(s) >= self.num_workers {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searcher found work. True if it was the last searcher: the caller
    /// must then re-check every queue (after a SeqCst fence) and wake
    /// another worker if it finds work there.
    #[must_use]
    pub(crate) fn worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(searching(prev) > 0);
        searching(prev) == 1
    }

    /// Registers worker `index` as parked. True if it was the last searcher:
    /// the caller must re-check every queue (after a SeqCst fence) before
    /// sleeping.
    #[must_use]
    pub(crate) fn worker_to_parked(&self, index: usize, is_searching: bool) -> bool {
        let mut sleepers = lock(&self.sleepers);
        let dec = UNPARK_ONE + usize::from(is_searching);
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.list.push(index);
        is_searching && searching(prev) == 1
    }

    /// Parked worker `index` asks to spin before sleeping. False if another
    /// worker is spinning, or a notifier already took `index` off the list.
    pub(crate) fn begin_spin(&self, index: usize) -> bool {
        let mut sleepers = lock(&self.sleepers);
        if sleepers.spinner.is_some() || !sleepers.list.contains(&index) {
            return false;
        }
        sleepers.spinner = Some(index);
        true
    }

    /// Worker `index` is done spinning (if a notifier took it off the list,
    /// it already cleared `spinner`, and someone else may have it now).
    pub(crate) fn end_spin(&self, index: usize) {
        let mut sleepers = lock(&self.sleepers);
        if sleepers.spinner == Some(index) {
            sleepers.spinner = None;
        }
    }

    /// New work is stealable: returns the parked worker to wake, if waking one
    /// is needed. The caller has issued a SeqCst fence after its push.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        if !self.should_notify() {
            return None;
        }
        let mut sleepers = lock(&self.sleepers);
        if !self.should_notify() {
            return None;
        }
        let index = match sleepers.spinner.take() {
            // The spinner is still on the list: `begin_spin` checked, and
            // whoever takes it off (a notifier, `unpark_self`) clears it.
            Some(i) => {
                sleepers.list.retain(|&j| j != i);
                i
            }
            None => sleepers.list.pop()?,
        };
        // Counted as unparked and searching on its behalf, so other pushes
        // see a searcher and don't wake a second worker for the same work.
        self.state.fetch_add(UNPARK_ONE + 1, SeqCst);
        Some(index)
    }

    fn should_notify(&self) -> bool {
        let s = self.state.load(SeqCst);
        searching(s) == 0 && unparked(s) < self.num_workers
    }

    /// Every worker is awake and none is searching: each is running a task
    /// (the rescue path's "nobody to wake").
    pub(crate) fn all_running(&self) -> bool {
        let s = self.state.load(SeqCst);
        searching(s) == 0 && unparked(s) == self.num_workers
    }

    /// A parked worker, left parked: for a wake-up that only makes it look
    /// at where it sleeps again (the driver, if that became free).
    pub(crate) fn any_sleeper(&self) -> Option<usize> {
        lock(&self.sleepers).list.last().copied()
    }

    /// A parked worker leaves on its own (the driver it slept on woke tasks
    /// into its queue): takes it off `sleepers` and counts it as unparked and
    /// searching. False if a notifier already did (then it is counted
    /// already).
    pub(crate) fn unpark_self(&self, index: usize) -> bool {
        let mut sleepers = lock(&self.sleepers);
        let Some(pos) = sleepers.list.iter().position(|&i| i == index) else {
            return false;
        };
        sleepers.list.swap_remove(pos);
        if sleepers.spinner == Some(index) {
            sleepers.spinner = None;
        }
        self.state.fetch_add(UNPARK_ONE + 1, SeqCst);
        true
    }

    /// After a wake-up: false if the worker was really woken by a notifier
    /// (who removed it from `sleepers`), true if the wake-up was spurious.
    pub(crate) fn is_parked(&self, index: usize) -> bool {
        lock(&self.sleepers).list.contains(&index)
    }
}

/// How a worker leaves [`Shared::park_worker`].
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Unparked {
    /// Counted as searching again (notified, or it found local work).
    Searching,
    /// The runtime is shutting down.
    Shutdown,
}

impl Shared {
    /// Wakes one parked worker if nobody is searching. The caller made work
    /// visible and then issued a SeqCst fence (module docs).
    pub(crate) fn notify_parked(&self) -> Option<usize> {
        let index = self.idle.worker_to_notify()?;
        self.unpark_worker(index);
        Some(index)
    }

    /// If nobody sleeps on the driver, wakes a worker asleep on its
    /// condition variable without claiming it (it is no searcher): finding
    /// nothing to do, it sleeps again, on the driver now that it is free
    /// ([`crate::scheduler::park`] tries the driver first). For the one who leaves the
    /// driver unwatched while others sleep (a rescue thread retiring).
    pub(crate) fn hand_driver_to_sleeper(&self) {
        if self.common.driver.has_parked_thread() {
            return;
        }
        if let Some(index) = self.idle.any_sleeper() {
            self.unpark_worker(index);
        }
    }

    pub(crate) fn unpark_worker(&self, index: usize) {
        self.remotes[index].parker.unpark(Some(&self.common.driver));
    }

    /// A push from outside this runtime's workers: onto the injector, then
    /// the fence and the notify. A push racing with shutdown's drain of the
    /// injector re-checks `shutdown` after its fence and drains itself, so
    /// no task reference is stranded there.
    pub(crate) fn push_remote(&self, task: Notified) {
        self.inject.push(task);
        fence(SeqCst);
        if self.shutdown.load(SeqCst) {
            self.drain_inject();
            return;
        }
        self.notify_parked();
    }

    /// A worker made work stealable in its own queue.
    pub(crate) fn notify_after_local_push(&self) {
        fence(SeqCst);
        self.notify_parked();
    }

    /// A timer was inserted while nobody is parked on the driver: wake a
    /// worker if all are asleep, so one of them parks on the driver and sees
    /// the timer ([`crate::time::driver`]).
    pub(crate) fn notify_parked_for_timer(&self) {
        fence(SeqCst);
        self.notify_parked();
    }

    /// The last searcher's re-check once it has stopped searching (to park,
    /// or to run work it found): pushes made while it searched woke nobody,
    /// so if any queue holds work, wake a parked worker for it (module docs:
    /// why the fence makes this enough).
    pub(crate) fn recheck_as_last_searcher(&self) {
        fence(SeqCst);
        if !self.inject.is_empty()
            || self.remotes.iter().any(|r| !r.steal.is_empty())
            || self.stalled_lifo_occupied()
        {
            self.notify_parked();
        }
    }

    /// The park loop of worker `index`, which found no work
    /// (`was_searching`: it was counted as a searcher): register as parked,
    /// spin a moment while blocking jobs are in flight, then sleep until a
    /// notifier claims it, shutdown, or `has_local_work` says the driver it
    /// slept on woke tasks into its own queue.
    pub(crate) fn park_worker(
        &self,
        index: usize,
        was_searching: bool,
        has_local_work: impl Fn() -> bool,
    ) -> Unparked {
        self.register_parked(index, was_searching);
        self.spin_while_blocking_jobs_run(index);
        self.sleep_until_unparked(index, has_local_work)
    }

    /// Registers worker `index` as parked; the last searcher re-checks the
    /// queues (module docs).
    pub(crate) fn register_parked(&self, index: usize, was_searching: bool) {
        if self.idle.worker_to_parked(index, was_searching) {
            // Last searcher: if work arrived, wake somebody (possibly
            // ourselves) to take it.
            self.recheck_as_last_searcher();
        }
    }

    /// A parked worker spins a moment before it sleeps while a blocking job
    /// is running, since its result will likely wake a task soon. An unpark
    /// that finds it spinning is one atomic swap: no futex wake for the
    /// notifier, no wake-up latency for the worker (about a quarter of a
    /// spawn_blocking round trip here). `yield_now` gives the core to any
    /// runnable thread (such as the pool thread running the job). Nobody
    /// watches the driver meanwhile, hence the short bound; a timer
    /// inserted now notifies a sleeper, and the spinner is picked first.
    fn spin_while_blocking_jobs_run(&self, index: usize) {
        if self.common.blocking_in_flight.load(Relaxed) == 0 || !self.idle.begin_spin(index) {
            return;
        }
        let parker = &self.remotes[index].parker;
        let start = std::time::Instant::now();
        for _ in 0..SPIN_ROUNDS {
            if parker.is_notified() || self.is_shutdown() || start.elapsed() > SPIN_MAX {
                break;
            }
            crate::loom::thread::yield_now();
        }
        self.idle.end_spin(index);
    }

    /// Sleeps (on the driver, or on the condvar if another worker holds the
    /// driver) until claimed by a notifier, shutdown, or local work.
    pub(crate) fn sleep_until_unparked(
        &self,
        index: usize,
        has_local_work: impl Fn() -> bool,
    ) -> Unparked {
        loop {
            self.remotes[index]
                .parker
                .park_on(&self.common.driver, None);
            if self.is_shutdown() {
                return Unparked::Shutdown;
            }
            if !self.idle.is_parked(index) {
                // A notifier took us off the sleepers list and counted us
                // as searching.
                return Unparked::Searching;
            }
            if has_local_work() {
                // Woken tasks of our own: count ourselves (false: a notifier
                // just did).
                let _ = self.idle.unpark_self(index);
                return Unparked::Searching;
            }
            // Spurious (or an event whose task is not ours): sleep again.
        }
    }
}
