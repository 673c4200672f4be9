//! The live-task registry: every task that has not completed, so shutdown can
//! cancel them all and `all_tasks` can list them — cheap enough to leave on.
//!
//! # Shards and owners
//!
//! One shard per worker, plus *shared* shards (after them) for tasks spawned
//! from anywhere else (a `block_on` thread, `Runtime::spawn` from `main`, the
//! current-thread flavor, which has only one). With several workers there
//! are as many shared shards as workers (at least two), and a task spawned
//! from outside goes to the one its id picks, so consecutive tasks alternate
//! and the workers completing them rarely meet on one lock (nor the spawner
//! adding the next). A task lives in the
//! shard of the thread that spawned it, its *owner*: a worker spawns into its
//! own shard, so the common case — a task spawned and completed on the same
//! worker — locks a mutex no other thread touches (its cache line stays in
//! that core) and writes a slot the same core just used.
//!
//! Each shard is a `slab::Slab` (its free slots form a list threaded through
//! the slots themselves). A task remembers `(shard, slot)` in
//! `Header::registry_slot`, written once by `bind` under the shard's lock;
//! the task reaches every later reader through its run queue (a release /
//! acquire hand-off), so they read it `Relaxed`.
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
//! Counting: a task handed back is no longer alive, so `len` subtracts the
//! list's length, read under the shard's lock (where the drain also runs, so
//! a drain is seen whole or not at all). The push happens before the task
//! publishes `COMPLETE`, so a joiner that saw the output counts it gone.
//! `snapshot` skips tasks whose state is already `COMPLETE` (handed back,
//! not yet drained).
//!
//! # Closing
//!
//! `close_and_shutdown` marks every shard closed under its lock, drains the
//! hand-back lists, then takes each shard's tasks out whole and shuts them
//! down, never holding a lock while a future is dropped (its destructor may
//! spawn, which must not deadlock). A task completing meanwhile on another
//! thread finds its slot gone and leaves the registry's reference to the
//! shutdown, which finds the task complete. A `bind` that finds its shard closed returns the task
//! so the spawner cancels it; a task can therefore never be added after
//! shutdown emptied its shard. An entry handed back after the close names a
//! slot shutdown already emptied; nobody drains it, and it holds nothing.

use super::info::TaskInfo;
use super::{Id, RawTask, Task};
use crate::loom::atomic::{AtomicBool, Ordering::Relaxed};
use crate::loom::Mutex;

pub(crate) struct Registry {
    /// The workers' shards, then the shared ones.
    shards: Box<[Padded]>,
    /// Number of workers: shards at or past this index are shared.
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
}
/// `Header::registry_slot` is `shard << SLOT_BITS | slot`, or `UNBOUND`.
const SLOT_BITS: u32 = usize::BITS / 2;
const SLOT_MASK: usize = (1 << SLOT_BITS) - 1;
/// `Header::registry_slot` of a task never bound (the registry was closed).
pub(crate) const UNBOUND: usize = usize::MAX;

impl Shard {
    /// Frees `slot` if it holds the task `matches` accepts, returning the
    /// registry's reference to it.
    fn take(&mut self, slot: usize, matches: impl FnOnce(&Task) -> bool) -> Option<Task> {
        if !self.slots.get(slot).is_some_and(matches) {
            return None;
        }
        Some(self.slots.remove(slot))
    }
}

impl Registry {
    /// A registry for `workers` worker threads (0 for the current-thread
    /// flavor): one shard each, and the shared shards.
    pub(crate) fn new(workers: usize) -> Registry {
        let shared = if workers == 0 { 1 } else { workers.max(2) };
        Registry {
            workers,
            shards: (0..workers + shared)
                .map(|_| Padded {
                    shard: Line(Mutex::new(Shard {
                        slots: slab::Slab::new(),
                        closed: false,
                    })),
                    back: Line(HandBack {
                        returned: Mutex::new(Vec::new()),
                        pending: AtomicBool::new(false),
                    }),
                })
                .collect(),
        }
    }

    /// What a thread that is not a worker passes to [`bind`](Self::bind):
    /// the task goes to one of the shared shards.
    pub(crate) fn shared_shard(&self) -> usize {
        self.workers
    }

    /// Adds a new task to `shard` (the spawning worker's own, or
    /// [`shared_shard`](Self::shared_shard)); gives it back if the registry
    /// is closed.
    pub(crate) fn bind(&self, task: Task, shard: usize) -> Result<(), Task> {
        let shard = if shard < self.workers {
            shard
        } else {
            let shared = (self.shards.len() - self.workers) as u64;
            self.workers + (task.header().id.as_u64() % shared) as usize
        };
        let mut s = self.shards[shard].shard.0.lock().unwrap();
        if s.closed {
            return Err(task);
        }
        let entry = s.slots.vacant_entry();
        let slot = entry.key();
        assert!(
            slot <= SLOT_MASK,
            "too many live tasks in one registry shard"
        );
        task.header()
            .registry_slot
            .store((shard << SLOT_BITS) | slot, Relaxed);
        entry.insert(task);
        Ok(())
    }

    /// Takes a completing task out. On the thread that owns its shard
    /// (`here` is that thread's shard), or for a shared shard, removes it
    /// now and returns the registry's reference (`None` if shutdown already
    /// took it). Anywhere else, hands it back to the owner (module docs) and
    /// returns `None`: the registry keeps its reference until the owner
    /// drains.
    pub(crate) fn remove(&self, task: RawTask, here: Option<usize>) -> Option<Task> {
        let header = task.header();
        let at = header.registry_slot.load(Relaxed);
        if at == UNBOUND {
            // Spawned after shutdown: never bound, cancelled at once.
            return None;
        }
        let (shard, slot) = (at >> SLOT_BITS, at & SLOT_MASK);
        let p = &self.shards[shard];
        if here == Some(shard) || shard >= self.workers {
            let mut s = p.shard.0.lock().unwrap();
            return s.take(slot, |t| t.raw() == task);
        }
        let back = &p.back.0;
        let mut returned = back.returned.lock().unwrap();
        returned.push((slot, header.id));
        if returned.len() == 1 {
            back.pending.store(true, Relaxed);
        }
        None
    }

    /// The owner of `shard` frees the slots handed back to it.
    pub(crate) fn drain(&self, shard: usize) {
        let p = &self.shards[shard];
        if p.back.0.pending.load(Relaxed) {
            let mut s = p.shard.0.lock().unwrap();
            Self::drain_locked(p, &mut s);
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
            let mut r = back.returned.lock().unwrap();
            back.pending.store(false, Relaxed);
            std::mem::take(&mut *r)
        };
        for (slot, id) in returned {
            drop(s.take(slot, |t| t.header().id == id));
        }
    }

    /// Closes the registry and cancels every task in it. Idempotent, and safe
    /// to call from several threads at once.
    pub(crate) fn close_and_shutdown(&self) {
        for p in self.shards.iter() {
            let mut s = p.shard.0.lock().unwrap();
            s.closed = true;
            Self::drain_locked(p, &mut s);
        }
        for p in self.shards.iter() {
            // Take them all; `remove` then finds the slots gone (`None`),
            // and the registry's references are dropped here.
            let tasks = std::mem::take(&mut p.shard.0.lock().unwrap().slots);
            // Outside the lock: dropping a future may run user code.
            for (_, task) in tasks {
                task.shutdown();
            }
        }
    }

    /// Number of live tasks.
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|p| {
                let s = p.shard.0.lock().unwrap();
                // Saturating: entries handed back after shutdown emptied
                // their slots name nothing counted.
                s.slots
                    .len()
                    .saturating_sub(p.back.0.returned.lock().unwrap().len())
            })
            .sum()
    }

    /// A snapshot of every live task, sorted by id.
    pub(crate) fn snapshot(&self) -> Vec<TaskInfo> {
        let mut out = Vec::new();
        for p in self.shards.iter() {
            let s = p.shard.0.lock().unwrap();
            out.extend(s.slots.iter().filter_map(|(_, t)| info(t)));
        }
        out.sort_by_key(|t| t.id);
        out
    }

    /// The live task with this id, if any (slow: scans every shard; for
    /// reports only).
    pub(crate) fn find(&self, id: Id) -> Option<TaskInfo> {
        self.shards.iter().find_map(|p| {
            let s = p.shard.0.lock().unwrap();
            let found = s.slots.iter().map(|(_, t)| t).find(|t| t.header().id == id);
            found.and_then(info)
        })
    }
}

/// What a snapshot says of a task; `None` once it completed (handed back to
/// its owner, not yet drained).
fn info(t: &Task) -> Option<TaskInfo> {
    if t.header().state.load().is_complete() {
        return None;
    }
    Some(TaskInfo::snapshot(t.raw()))
}
