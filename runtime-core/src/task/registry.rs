//! The live-task registry: every task that has not completed, so shutdown can
//! cancel them all and `all_tasks` can list them.
//!
//! Sharded by task id to keep spawns on different threads off one lock. Each
//! shard is a slab whose free slots form a list threaded through the slots
//! themselves; a task remembers its slot in `Header::registry_slot`, written
//! and read only under its shard's lock, so removal is O(1).
//!
//! Cache lines, because a task is often removed on another worker than the
//! one that added it: an add or a remove touches the shard's own line (lock
//! and list head) and the one line holding its slot — the free list lives in
//! the slots, so taking a free slot reads the line the add then writes.
//!
//! Closing: `close_and_shutdown` marks every shard closed under its lock,
//! then pops and shuts down tasks one at a time, never holding a lock while a
//! future is dropped (its destructor may spawn, which must not deadlock). A
//! `bind` that finds its shard closed returns the task so the spawner cancels
//! it; a task can therefore never be added after shutdown emptied its shard.

use super::info::{TaskInfo, TaskState};
use super::{Header, Id, RawTask, Task};
use crate::loom::atomic::Ordering::Relaxed;
use crate::loom::Mutex;

pub(crate) struct Registry {
    shards: Box<[Padded]>,
}

/// Shards on separate cache-line pairs, so threads locking neighbouring
/// shards do not bounce one line between cores.
#[repr(align(128))]
struct Padded(Mutex<Shard>);

struct Shard {
    slots: Vec<Slot>,
    /// The first `Free` slot, `NONE` if there is none; each `Free` slot
    /// names the next. Not used once `closed`.
    free_head: usize,
    /// Number of `Live` slots.
    len: usize,
    /// Set once by shutdown; no task is added afterwards.
    closed: bool,
}

enum Slot {
    Live(Task),
    Free { next: usize },
}

/// End of the free list.
const NONE: usize = usize::MAX;

impl Default for Shard {
    fn default() -> Shard {
        Shard {
            slots: Vec::new(),
            free_head: NONE,
            len: 0,
            closed: false,
        }
    }
}

impl Shard {
    fn live(&self) -> impl Iterator<Item = &Task> {
        self.slots.iter().filter_map(|s| match s {
            Slot::Live(t) => Some(t),
            Slot::Free { .. } => None,
        })
    }
}

impl Registry {
    pub(crate) fn new(shards: usize) -> Registry {
        let n = shards.next_power_of_two();
        Registry {
            shards: (0..n)
                .map(|_| Padded(Mutex::new(Shard::default())))
                .collect(),
        }
    }

    fn shard(&self, id: Id) -> &Mutex<Shard> {
        &self.shards[id.as_u64() as usize & (self.shards.len() - 1)].0
    }

    /// Adds a new task; gives it back if the registry is closed.
    pub(crate) fn bind(&self, task: Task) -> Result<(), Task> {
        let mut shard = self.shard(task.header().id).lock().unwrap();
        if shard.closed {
            return Err(task);
        }
        let head = shard.free_head;
        let slot = if head == NONE {
            shard.slots.len()
        } else {
            head
        };
        task.header().registry_slot.store(slot, Relaxed);
        if head == NONE {
            shard.slots.push(Slot::Live(task));
        } else {
            match std::mem::replace(&mut shard.slots[head], Slot::Live(task)) {
                Slot::Free { next } => shard.free_head = next,
                Slot::Live(_) => unreachable!("the free list names a live slot"),
            }
        }
        shard.len += 1;
        Ok(())
    }

    /// Takes a completing task out; `None` if shutdown already took it.
    pub(crate) fn remove(&self, task: RawTask) -> Option<Task> {
        let header = task.header();
        let mut shard = self.shard(header.id).lock().unwrap();
        let slot = header.registry_slot.load(Relaxed);
        match shard.slots.get(slot) {
            Some(Slot::Live(t)) if t.raw() == task => {}
            _ => return None,
        }
        let next = shard.free_head;
        shard.free_head = slot;
        shard.len -= 1;
        match std::mem::replace(&mut shard.slots[slot], Slot::Free { next }) {
            Slot::Live(t) => Some(t),
            Slot::Free { .. } => unreachable!("checked live above"),
        }
    }

    /// Closes the registry and cancels every task in it. Idempotent, and safe
    /// to call from several threads at once.
    pub(crate) fn close_and_shutdown(&self) {
        for Padded(shard) in self.shards.iter() {
            shard.lock().unwrap().closed = true;
        }
        for Padded(shard) in self.shards.iter() {
            loop {
                let task = {
                    let mut s = shard.lock().unwrap();
                    // Pop from the end; the free list is never used again
                    // once closed, and `remove` treats a slot past the end
                    // as gone.
                    let mut found = None;
                    while let Some(slot) = s.slots.pop() {
                        if let Slot::Live(t) = slot {
                            found = Some(t);
                            break;
                        }
                    }
                    match found {
                        Some(t) => {
                            s.len -= 1;
                            t
                        }
                        None => {
                            s.free_head = NONE;
                            s.slots = Vec::new();
                            break;
                        }
                    }
                };
                // Outside the lock: dropping the future may run user code.
                task.shutdown();
            }
        }
    }

    /// Number of live tasks.
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|Padded(s)| s.lock().unwrap().len)
            .sum()
    }

    /// A snapshot of every live task, sorted by id.
    pub(crate) fn snapshot(&self) -> Vec<TaskInfo> {
        let mut out = Vec::new();
        for Padded(shard) in self.shards.iter() {
            let s = shard.lock().unwrap();
            out.extend(s.live().map(|t| info(t.header())));
        }
        out.sort_by_key(|t| t.id);
        out
    }

    /// The live task with this id, if any (slow: scans one shard; for
    /// reports only).
    pub(crate) fn find(&self, id: Id) -> Option<TaskInfo> {
        let s = self.shard(id).lock().unwrap();
        let found = s.live().find(|t| t.header().id == id);
        found.map(|t| info(t.header()))
    }
}

fn info(h: &Header) -> TaskInfo {
    let s = h.state.load();
    TaskInfo {
        id: h.id,
        name: h.meta.name.as_deref().map(str::to_owned),
        state: if s.is_running() {
            TaskState::Running
        } else if s.is_notified() {
            TaskState::Scheduled
        } else {
            TaskState::Idle
        },
        spawned_at: h.meta.spawned_at,
        polls: h.polls.load(Relaxed),
    }
}
