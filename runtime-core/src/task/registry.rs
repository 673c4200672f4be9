//! The live-task registry: every task that has not completed, so shutdown can
//! cancel them all and `all_tasks` can list them — cheap enough to leave on.
//!
//! # Shards and owners
//!
//! One shard per worker. A task lives in the shard of the worker that
//! spawned it (or adopted it, below), its *owner*: a worker spawns into its
//! own shard, so the common case — a task spawned and completed on the same
//! worker — locks a mutex no other thread touches (its cache line stays in
//! that core) and writes a slot the same core just used. Without workers
//! (the current-thread flavor, a `LocalSet`) there is one shard, the
//! *shared* one, and every task goes there.
//!
//! Each shard is a `slab::Slab` (its free slots form a list threaded through
//! the slots themselves). A bound task remembers `(shard, slot)` in
//! `Header::registry_slot`, written once under the shard's lock.
//!
//! # Arrivals: tasks spawned from outside the workers
//!
//! A task spawned by a thread that is not a worker (`Runtime::spawn` from
//! `main`, a `block_on` future, a blocking job) is not bound to a slot
//! there. The spawner pushes the registry's reference onto the *arrival
//! list* (a `Vec` under its own lock) and marks the task `ARRIVING`.
//! Workers *adopt* arrivals every 61 ticks and before they park: under
//! their own shard's lock they swap the whole list out (one lock round-trip
//! per batch, handing the list a spare buffer that already has room) and
//! bind each task to a slot of their own shard. So the spawning thread —
//! the bottleneck of a loop of remote spawns — does one push under a lock
//! that workers take once per batch, where binding a slot cost it a shard
//! lock the completing workers took for every task and a slot a worker had
//! just freed on another core. (One list, as tokio has one injector: its
//! critical section is a push, so even several spawning threads hold it
//! only briefly.)
//!
//! A task may complete before any worker adopts it: its completer moves
//! `registry_slot` from `ARRIVING` to `GONE` by compare-and-swap and leaves
//! the registry's reference in the list. The adopter moves it from
//! `ARRIVING` to the slot by compare-and-swap too, so exactly one of them
//! wins: a `GONE` task is not bound, and its reference is dropped; a
//! completer that lost finds the slot, as for any bound task.
//!
//! `registry_slot` carries nothing but its own value, so it is accessed
//! `Relaxed`. The spawner writes it (a slot, or `ARRIVING`) before the
//! task's first `Notified` is queued, and a completer got the task through
//! a run queue (a release / acquire hand-off), so it reads that value or a
//! later one. The slot a value names is filled in the same critical
//! section (of the owner's shard lock) as the write that names it, and
//! whoever frees the slot takes that lock first; hand-back entries also
//! match by task id, so a stale one frees nothing.
//!
//! # Completing on another worker: the hand-back list
//!
//! A task often completes on another worker than its owner (it was stolen).
//! That worker does not take the owner's lock: it pushes `(slot, id)` onto
//! the shard's `returned` list (its own small lock, on its own cache line)
//! and keeps the registry's reference where it is. The owner *drains* the
//! list — frees those slots and drops the registry's references — every 61
//! ticks and before it parks, so a cell handed back is freed at the latest
//! when its owner next looks up from its work. (Not at every spawn: reading
//! the list's flag there, on a line the other workers write, cost a cache
//! miss per spawn.)
//! A slot is matched by task id, so an entry whose slot was emptied and
//! reused meanwhile (by shutdown) matches nothing.
//!
//! # Reading: `len`, `snapshot`, `find`
//!
//! A task moves from the arrival list to a shard while its adopter holds
//! the shard's lock, so a reader locks every shard (in index order; an
//! adopter, like `close_and_shutdown`, locks a shard before the list) and
//! then the list: no task is mid-move, none is seen twice or missed.
//!
//! Counting: a task handed back is no longer alive, so `len` subtracts the
//! hand-back list's length, and skips `GONE` arrivals. Both marks are made
//! before the task publishes `COMPLETE`, so a joiner that saw the output
//! counts it gone. `snapshot` skips tasks whose state is already `COMPLETE`
//! (handed back or `GONE`, not yet dropped).
//!
//! # Closing
//!
//! `close_and_shutdown` marks every shard closed under its lock (draining
//! its hand-back list), then the arrival list, then takes the shards' and
//! the list's tasks out whole and shuts them down, never holding a lock
//! while a future is dropped (its destructor may spawn, which must not
//! deadlock). Adoption runs under the adopter's shard lock and stops once
//! that shard is closed, so when the list is closed no task is mid-move.
//! A task completing meanwhile on another thread finds its slot gone (or
//! marks itself `GONE`) and leaves the registry's reference to the shutdown,
//! which finds the task complete. A `bind` that finds its shard or list
//! closed returns the task so the spawner cancels it; a task can therefore
//! never be added after shutdown emptied its shard. An entry handed back
//! after the close names a slot shutdown already emptied; nobody drains it,
//! and it holds nothing.

use super::info::TaskInfo;
use super::{Id, RawTask, Task};
use crate::loom::atomic::{AtomicBool, Ordering::Relaxed};
use crate::loom::{lock, Mutex, MutexGuard};

pub(crate) struct Registry {
    /// The workers' shards, or (with no workers) the one shared shard.
    shards: Box<[Padded]>,
    /// Where tasks spawned off the workers wait for one to adopt them;
    /// unused with no workers.
    arrivals: Arrivals,
    /// Number of workers.
    workers: usize,
}

/// A shard and its hand-back list, each on its own cache-line pair: the
/// shard's lock stays in its owner's cache while other workers push onto the
/// list (about a quarter of the tasks of a spawn-heavy load are stolen), and
/// neighbouring shards do not share a line either.
struct Padded {
    shard: Line<Mutex<Shard>>,
    back: Line<HandBack>,
}

#[repr(align(128))]
struct Line<T>(T);

struct HandBack {
    /// `(slot, id)` of tasks that completed on another thread; freed by the
    /// owner's next drain.
    returned: Mutex<Vec<(usize, Id)>>,
    /// `returned` is not empty: a hint, set under its lock by the pusher and
    /// cleared under it by the drain, so the owner skips that lock while
    /// nothing was handed back.
    pending: AtomicBool,
}

struct Shard {
    /// The registry's reference to each live task (including tasks handed
    /// back, not yet drained).
    slots: slab::Slab<Task>,
    /// Set once by shutdown; no task is added afterwards.
    closed: bool,
    /// An empty buffer the owner swaps for the arrival list's (module docs),
    /// so the spawner pushes into a buffer that already has room.
    spare: Vec<Task>,
}

/// On cache lines of their own: workers read `pending` at every look, the
/// spawner writes the list's lock at every spawn.
struct Arrivals {
    list: Line<Mutex<ArrivalList>>,
    /// `list` is not empty: a hint, set under its lock by the spawner and
    /// cleared under it by the adopter, so workers skip the lock while
    /// nothing arrived. A worker that misses a fresh `true` adopts at its
    /// next look; the tasks are counted and listed meanwhile.
    pending: Line<AtomicBool>,
}

struct ArrivalList {
    /// The registry's reference to each task spawned here and not adopted
    /// yet; each is `ARRIVING` or (completed meanwhile) `GONE`.
    tasks: Vec<Task>,
    /// Set once by shutdown (after every shard); no task is added afterwards.
    closed: bool,
}

/// `Header::registry_slot` is `shard << SLOT_BITS | slot`, or one of the
/// marks below (all above any `(shard, slot)`: shards are few).
const SLOT_BITS: u32 = usize::BITS / 2;
const SLOT_MASK: usize = (1 << SLOT_BITS) - 1;
/// Never bound (the registry was closed): the initial value.
pub(crate) const UNBOUND: usize = usize::MAX;
/// On the arrival list, not yet adopted.
const ARRIVING: usize = usize::MAX - 1;
/// Completed while on the arrival list, whose reference is dropped by the
/// next adopter (or shutdown).
const GONE: usize = usize::MAX - 2;

impl Shard {
    /// Frees `slot` if it holds the task `matches` accepts, returning the
    /// registry's reference to it.
    fn take(&mut self, slot: usize, matches: impl FnOnce(&Task) -> bool) -> Option<Task> {
        if !self.slots.get(slot).is_some_and(matches) {
            return None;
        }
        Some(self.slots.remove(slot))
    }

    /// Binds `task` to a free slot, which this shard (number `shard`)
    /// records in the task only if `mark` accepts the encoded value (it may
    /// refuse: the task is dropped). The caller checked `closed`.
    fn insert(&mut self, shard: usize, task: Task, mark: impl FnOnce(&Task, usize) -> bool) {
        let entry = self.slots.vacant_entry();
        let slot = entry.key();
        assert!(
            slot <= SLOT_MASK,
            "too many live tasks in one registry shard"
        );
        if mark(&task, (shard << SLOT_BITS) | slot) {
            entry.insert(task);
        }
    }
}

impl Registry {
    /// A registry for `workers` worker threads (0 for the current-thread
    /// flavor and a `LocalSet`): one shard each and the arrival list, or
    /// one shared shard.
    pub(crate) fn new(workers: usize) -> Registry {
        let shards = workers.max(1);
        Registry {
            workers,
            shards: (0..shards)
                .map(|_| Padded {
                    shard: Line(Mutex::new(Shard {
                        slots: slab::Slab::new(),
                        closed: false,
                        spare: Vec::new(),
                    })),
                    back: Line(HandBack {
                        returned: Mutex::new(Vec::new()),
                        pending: AtomicBool::new(false),
                    }),
                })
                .collect(),
            arrivals: Arrivals {
                list: Line(Mutex::new(ArrivalList {
                    tasks: Vec::new(),
                    closed: false,
                })),
                pending: Line(AtomicBool::new(false)),
            },
        }
    }

    /// What a thread that is not a worker passes to [`bind`](Self::bind):
    /// the task goes to the arrival list, or to the shared shard.
    pub(crate) fn shared_shard(&self) -> usize {
        self.workers
    }

    /// Adds a new task to `shard` (the spawning worker's own, or
    /// [`shared_shard`](Self::shared_shard)); gives it back if the registry
    /// is closed.
    pub(crate) fn bind(&self, task: Task, shard: usize) -> Result<(), Task> {
        if shard >= self.workers && self.workers > 0 {
            let a = &self.arrivals;
            let mut list = lock(&a.list.0);
            if list.closed {
                return Err(task);
            }
            task.header().registry_slot.store(ARRIVING, Relaxed);
            list.tasks.push(task);
            if list.tasks.len() == 1 {
                a.pending.0.store(true, Relaxed);
            }
            return Ok(());
        }
        // A worker's own shard, or (no workers) `shared_shard()`, 0.
        let mut s = lock(&self.shards[shard].shard.0);
        if s.closed {
            return Err(task);
        }
        s.insert(shard, task, |task, at| {
            task.header().registry_slot.store(at, Relaxed);
            true
        });
        Ok(())
    }

    /// Takes a completing task out. On the thread that owns its shard
    /// (`here` is that thread's shard), or for the shared shard, removes it
    /// now and returns the registry's reference (`None` if shutdown already
    /// took it). Anywhere else, hands it back to the owner (module docs),
    /// or marks a task not yet adopted `GONE`, and returns `None`: the
    /// registry keeps its reference until the owner drains or a worker
    /// adopts.
    pub(crate) fn remove(&self, task: RawTask, here: Option<usize>) -> Option<Task> {
        let header = task.header();
        let mut at = header.registry_slot.load(Relaxed);
        if at == ARRIVING {
            match header
                .registry_slot
                .compare_exchange(ARRIVING, GONE, Relaxed, Relaxed)
            {
                Ok(_) => return None,
                // Adopted meanwhile.
                Err(now) => at = now,
            }
        }
        if at == UNBOUND {
            // Spawned after shutdown: never bound, cancelled at once.
            return None;
        }
        let (shard, slot) = (at >> SLOT_BITS, at & SLOT_MASK);
        let p = &self.shards[shard];
        if here == Some(shard) || self.workers == 0 {
            let mut s = lock(&p.shard.0);
            return s.take(slot, |t| t.raw() == task);
        }
        let back = &p.back.0;
        let mut returned = lock(&back.returned);
        returned.push((slot, header.id));
        if returned.len() == 1 {
            back.pending.store(true, Relaxed);
        }
        None
    }

    /// Worker `shard` frees the slots handed back to it and adopts the
    /// tasks waiting on the arrival list.
    pub(crate) fn drain(&self, shard: usize) {
        let p = &self.shards[shard];
        let arrived = self.arrivals.pending.0.load(Relaxed);
        if arrived || p.back.0.pending.load(Relaxed) {
            let mut s = lock(&p.shard.0);
            if s.closed {
                // Shutdown drained it and will shut the arrivals down.
                return;
            }
            Self::drain_locked(p, &mut s);
            if arrived {
                self.adopt_locked(shard, &mut s);
            }
        }
    }

    /// With the shard's lock held. Dropping the registry's references here
    /// may free cells, which runs no user code: the future and any output
    /// were dropped when the task completed or its handle read it.
    fn drain_locked(p: &Padded, s: &mut Shard) {
        let back = &p.back.0;
        if !back.pending.load(Relaxed) {
            return;
        }
        let returned = {
            let mut r = lock(&back.returned);
            back.pending.store(false, Relaxed);
            std::mem::take(&mut *r)
        };
        for (slot, id) in returned {
            drop(s.take(slot, |t| t.header().id == id));
        }
    }

    /// With worker `shard`'s lock held, and the shard open: moves every
    /// arrival into it, dropping the references of tasks already `GONE`
    /// (which runs no user code, as in `drain_locked`).
    fn adopt_locked(&self, shard: usize, s: &mut Shard) {
        let a = &self.arrivals;
        let mut batch = std::mem::take(&mut s.spare);
        {
            let mut list = lock(&a.list.0);
            a.pending.0.store(false, Relaxed);
            std::mem::swap(&mut list.tasks, &mut batch);
        }
        for task in batch.drain(..) {
            s.insert(shard, task, |task, at| {
                task.header()
                    .registry_slot
                    .compare_exchange(ARRIVING, at, Relaxed, Relaxed)
                    .is_ok()
            });
        }
        s.spare = batch;
    }

    /// Closes the registry and cancels every task in it. Idempotent, and safe
    /// to call from several threads at once.
    pub(crate) fn close_and_shutdown(&self) {
        for p in self.shards.iter() {
            let mut s = lock(&p.shard.0);
            s.closed = true;
            Self::drain_locked(p, &mut s);
        }
        lock(&self.arrivals.list.0).closed = true;
        for p in self.shards.iter() {
            // Take them all; `remove` then finds the slots gone (`None`),
            // and the registry's references are dropped here.
            let tasks = std::mem::take(&mut lock(&p.shard.0).slots);
            // Outside the lock: dropping a future may run user code.
            for (_, task) in tasks {
                task.shutdown();
            }
        }
        let tasks = std::mem::take(&mut lock(&self.arrivals.list.0).tasks);
        for task in tasks {
            task.shutdown();
        }
    }

    /// Every shard locked, in index order, then the arrival list (module
    /// docs, "Reading").
    fn lock_all(&self) -> (Vec<MutexGuard<'_, Shard>>, MutexGuard<'_, ArrivalList>) {
        let shards = self.shards.iter().map(|p| lock(&p.shard.0)).collect();
        (shards, lock(&self.arrivals.list.0))
    }

    /// Number of live tasks.
    pub(crate) fn len(&self) -> usize {
        let (shards, arrivals) = self.lock_all();
        let bound: usize = shards
            .iter()
            .zip(self.shards.iter())
            .map(|(s, p)| {
                // Saturating: entries handed back after shutdown emptied
                // their slots name nothing counted.
                s.slots.len().saturating_sub(lock(&p.back.0.returned).len())
            })
            .sum();
        let arriving = arrivals
            .tasks
            .iter()
            .filter(|t| t.header().registry_slot.load(Relaxed) != GONE)
            .count();
        bound + arriving
    }

    /// Every task the registry holds a reference to, live or not; the
    /// caller holds [`lock_all`](Self::lock_all)'s guards.
    fn all<'a>(
        shards: &'a [MutexGuard<'_, Shard>],
        arrivals: &'a ArrivalList,
    ) -> impl Iterator<Item = &'a Task> {
        let bound = shards.iter().flat_map(|s| s.slots.iter().map(|(_, t)| t));
        bound.chain(arrivals.tasks.iter())
    }

    /// A snapshot of every live task, sorted by id.
    pub(crate) fn snapshot(&self) -> Vec<TaskInfo> {
        let (shards, arrivals) = self.lock_all();
        let mut out: Vec<TaskInfo> = Self::all(&shards, &arrivals).filter_map(info).collect();
        out.sort_by_key(|t| t.id);
        out
    }

    /// The live task with this id, if any (slow: scans every shard; for
    /// reports only).
    pub(crate) fn find(&self, id: Id) -> Option<TaskInfo> {
        let (shards, arrivals) = self.lock_all();
        let found = Self::all(&shards, &arrivals).find(|t| t.header().id == id);
        found.and_then(info)
    }
}

/// What a snapshot says of a task; `None` once it completed (handed back to
/// its owner or `GONE`, not yet dropped).
fn info(t: &Task) -> Option<TaskInfo> {
    if t.header().state.load().is_complete() {
        return None;
    }
    Some(TaskInfo::snapshot(t.raw()))
}
