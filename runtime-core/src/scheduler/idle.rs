//! Which workers are searching for work and which are parked.
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
//! A parked worker may spin for a moment before it really sleeps (see
//! `worker.rs`); it is in `sleepers` all the while, like any parked worker,
//! but registered as the `spinner`, and a notifier picks it first: waking it
//! costs no system call and no wake-up latency. Which sleeper is woken never
//! matters for the argument above.

use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::Mutex;

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
        let mut sleepers = self.sleepers.lock().unwrap();
        let dec = UNPARK_ONE + usize::from(is_searching);
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.list.push(index);
        is_searching && searching(prev) == 1
    }

    /// Parked worker `index` asks to spin before sleeping. False if another
    /// worker is spinning, or a notifier already took `index` off the list.
    pub(crate) fn begin_spin(&self, index: usize) -> bool {
        let mut sleepers = self.sleepers.lock().unwrap();
        if sleepers.spinner.is_some() || !sleepers.list.contains(&index) {
            return false;
        }
        sleepers.spinner = Some(index);
        true
    }

    /// Worker `index` is done spinning (if a notifier took it off the list,
    /// it already cleared `spinner`, and someone else may have it now).
    pub(crate) fn end_spin(&self, index: usize) {
        let mut sleepers = self.sleepers.lock().unwrap();
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
        let mut sleepers = self.sleepers.lock().unwrap();
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

    /// A parked worker leaves on its own (it must fire due timers): takes it
    /// off `sleepers` and counts it as unparked and searching. False if a
    /// notifier already did (then it is counted already).
    pub(crate) fn unpark_self(&self, index: usize) -> bool {
        let mut sleepers = self.sleepers.lock().unwrap();
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
        self.sleepers.lock().unwrap().list.contains(&index)
    }
}
