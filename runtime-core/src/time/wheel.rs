//! A hierarchical timing wheel: 1 ms ticks, 6 levels of 64 slots (level `l`
//! slot spans 64^l ms, so the wheel covers 64^6 ms ≈ 2.2 years; later
//! deadlines are clamped).
//!
//! Entries live in a [`Slab`] and each slot is a doubly linked list threaded
//! through slab keys, so insert and remove are O(1); a per-level `occupied` bitmask finds the next non-empty slot with
//! one rotate + `trailing_zeros`. An entry sits at the level of the highest
//! base-64 digit in which its deadline differs from `elapsed`; when time
//! reaches a higher-level slot, its entries cascade down to finer levels or
//! fire. Each entry cascades at most 5 times: O(1) amortized.
//!
//! Pure data structure: no locking, no clock. The driver owns it behind a mutex.

use slab::Slab;
use std::task::Waker;

const LEVELS: usize = 6;
const SLOTS: usize = 64;
const NIL: Key = Key::MAX;
/// The last tick the wheel can represent.
pub(crate) const MAX_TICK: u64 = (1 << (6 * LEVELS)) - 1;

#[derive(Debug)]
enum Where {
    /// In `levels[level].slots[slot]`'s list.
    Queued { level: u8, slot: u8 },
    /// Its deadline passed; waiting for its `Sleep` to notice.
    Fired,
}

#[derive(Debug)]
struct Entry {
    deadline: u64,
    waker: Option<Waker>,
    at: Where,
    prev: Key,
    next: Key,
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    head: Key,
}

#[derive(Debug)]
struct Level {
    occupied: u64,
    slots: [Slot; SLOTS],
}

#[derive(Debug)]
pub(crate) struct Wheel {
    /// Ticks processed so far: every entry with `deadline <= elapsed` fired.
    elapsed: u64,
    levels: [Level; LEVELS],
    entries: Slab<Entry>,
    /// Entries queued in the wheel (not fired, not free).
    queued: usize,
}

/// The slab key of an entry, owned by exactly one `Sleep`.
pub(crate) type Key = usize;

impl Wheel {
    pub(crate) fn new() -> Wheel {
        Wheel {
            elapsed: 0,
            levels: std::array::from_fn(|_| Level {
                occupied: 0,
                slots: [Slot { head: NIL }; SLOTS],
            }),
            entries: Slab::new(),
            queued: 0,
        }
    }

    #[cfg(all(test, not(loom)))]
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// Entries waiting in the wheel.
    pub(crate) fn len(&self) -> usize {
        self.queued
    }

    /// Allocated entries (queued or fired but not yet released).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn allocated(&self) -> usize {
        self.entries.len()
    }

    /// Adds a timer and returns its key; or, if it is already due, stores
    /// nothing and gives the waker back (the caller completes at once, and
    /// drops the waker once it holds no lock).
    pub(crate) fn insert(&mut self, deadline: u64, waker: Waker) -> Result<Key, Waker> {
        let deadline = deadline.min(MAX_TICK);
        if deadline <= self.elapsed {
            return Err(waker);
        }
        let key = self.entries.insert(Entry {
            deadline,
            waker: Some(waker),
            at: Where::Fired,
            prev: NIL,
            next: NIL,
        });
        self.link(key);
        Ok(key)
    }

    /// True once the entry's deadline was processed.
    pub(crate) fn is_fired(&self, key: Key) -> bool {
        matches!(self.entries[key].at, Where::Fired)
    }

    /// True if the entry's stored waker would wake the same task as
    /// `waker` (a pointer comparison: no user code runs).
    pub(crate) fn will_wake(&self, key: Key, waker: &Waker) -> bool {
        matches!(&self.entries[key].waker, Some(w) if w.will_wake(waker))
    }

    /// Replaces the waker of a queued entry; returns the old one for the
    /// caller to drop once it holds no lock.
    pub(crate) fn set_waker(&mut self, key: Key, waker: Waker) -> Option<Waker> {
        self.entries[key].waker.replace(waker)
    }

    /// Frees an entry (its `Sleep` completed or was dropped). Returns its
    /// waker, if it still has one, for the caller to drop once it holds no
    /// lock.
    pub(crate) fn remove(&mut self, key: Key) -> Option<Waker> {
        if let Where::Queued { .. } = self.entries[key].at {
            self.unlink(key);
        }
        let entry = self.entries.remove(key);
        if self.entries.is_empty() {
            // Nothing allocated: give the memory back.
            self.entries = Slab::new();
        }
        entry.waker
    }

    /// The earliest tick at which something in the wheel is due (a fire or a
    /// cascade), if anything is queued.
    pub(crate) fn next_expiration(&self) -> Option<u64> {
        if self.queued == 0 {
            return None;
        }
        (0..LEVELS).find_map(|l| self.next_in_level(l).map(|(_, t)| t))
    }

    /// The next occupied slot of level `l` and the tick it starts at.
    fn next_in_level(&self, l: usize) -> Option<(usize, u64)> {
        let level = &self.levels[l];
        if level.occupied == 0 {
            return None;
        }
        let slot_range = 1u64 << (6 * l);
        let level_range = slot_range << 6;
        let now_slot = ((self.elapsed / slot_range) % SLOTS as u64) as u32;
        let dist = level.occupied.rotate_right(now_slot).trailing_zeros();
        let slot = ((now_slot + dist) % SLOTS as u32) as u64;
        let level_start = self.elapsed & !(level_range - 1);
        let mut tick = level_start + slot * slot_range;
        if tick < self.elapsed & !(slot_range - 1) {
            tick += level_range;
        }
        Some((slot as usize, tick.max(self.elapsed)))
    }

    /// Advances to `now`, firing everything due. Wakers of fired entries are
    /// pushed onto `wakers` for the caller to wake outside its lock.
    pub(crate) fn advance(&mut self, now: u64, wakers: &mut Vec<Waker>) {
        while let Some(l) = (0..LEVELS).find(|&l| self.levels[l].occupied != 0) {
            let (slot, tick) = self.next_in_level(l).expect("occupied level");
            if tick > now {
                break;
            }
            self.elapsed = tick;
            // Take the whole slot, then fire or re-file each entry.
            let mut key = self.levels[l].slots[slot].head;
            self.levels[l].slots[slot].head = NIL;
            self.levels[l].occupied &= !(1 << slot);
            while key != NIL {
                let next = self.entries[key].next;
                self.queued -= 1;
                let e = &mut self.entries[key];
                if e.deadline <= self.elapsed {
                    e.at = Where::Fired;
                    wakers.extend(e.waker.take());
                } else {
                    self.link(key);
                }
                key = next;
            }
        }
        self.elapsed = self.elapsed.max(now.min(MAX_TICK));
    }

    fn level_for(&self, deadline: u64) -> usize {
        let masked = (self.elapsed ^ deadline) | (SLOTS as u64 - 1);
        let significant = 63 - masked.leading_zeros() as usize;
        significant / 6
    }

    fn link(&mut self, key: Key) {
        let deadline = self.entries[key].deadline;
        let l = self.level_for(deadline);
        let slot = ((deadline >> (6 * l)) % SLOTS as u64) as usize;
        let head = self.levels[l].slots[slot].head;
        if head != NIL {
            self.entries[head].prev = key;
        }
        let e = &mut self.entries[key];
        e.prev = NIL;
        e.next = head;
        e.at = Where::Queued {
            level: l as u8,
            slot: slot as u8,
        };
        self.levels[l].slots[slot].head = key;
        self.levels[l].occupied |= 1 << slot;
        self.queued += 1;
    }

    fn unlink(&mut self, key: Key) {
        let (prev, next, l, slot) = match self.entries[key] {
            Entry {
                prev,
                next,
                at: Where::Queued { level, slot },
                ..
            } => (prev, next, level as usize, slot as usize),
            _ => unreachable!("unlink of an entry that is not queued"),
        };
        if prev == NIL {
            self.levels[l].slots[slot].head = next;
            if next == NIL {
                self.levels[l].occupied &= !(1 << slot);
            }
        } else {
            self.entries[prev].next = next;
        }
        if next != NIL {
            self.entries[next].prev = prev;
        }
        self.queued -= 1;
        self.entries[key].at = Where::Fired;
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use futures::task::noop_waker;

    fn fired_at(deadlines: &[u64], step: u64, until: u64) -> Vec<(u64, u64)> {
        let mut w = Wheel::new();
        let keys: Vec<_> = deadlines
            .iter()
            .map(|&d| w.insert(d, noop_waker()).unwrap())
            .collect();
        let mut out = Vec::new();
        let mut now = 0;
        while now <= until {
            let mut wakers = Vec::new();
            w.advance(now, &mut wakers);
            for (i, &k) in keys.iter().enumerate() {
                if w.is_fired(k) && !out.iter().any(|&(j, _)| j == i as u64) {
                    out.push((i as u64, now));
                }
            }
            now += step;
        }
        out
    }

    #[test]
    fn fires_each_entry_at_its_tick_never_early() {
        let deadlines = [1, 5, 63, 64, 65, 100, 4095, 4096, 4097, 70_000, 262_143];
        let fired = fired_at(&deadlines, 1, 262_200);
        assert_eq!(fired.len(), deadlines.len());
        for (i, at) in fired {
            assert_eq!(at, deadlines[i as usize], "entry {i}");
        }
    }

    #[test]
    fn coarse_steps_fire_late_never_early_and_cascade() {
        let deadlines: Vec<u64> = (0..500).map(|i| (i * 7919) % 300_000 + 1).collect();
        let fired = fired_at(&deadlines, 997, 301_000);
        assert_eq!(fired.len(), deadlines.len());
        for (i, at) in fired {
            let d = deadlines[i as usize];
            assert!(
                at >= d && at < d + 997,
                "entry {i}: deadline {d} fired at {at}"
            );
        }
    }

    #[test]
    fn next_expiration_is_a_lower_bound_of_the_next_fire() {
        let mut w = Wheel::new();
        for d in [300, 70, 5000, 64 * 64 * 64 + 3] {
            w.insert(d, noop_waker()).unwrap();
        }
        let mut fired = 0;
        while let Some(t) = w.next_expiration() {
            let mut wakers = Vec::new();
            w.advance(t, &mut wakers);
            assert_eq!(w.elapsed(), t);
            fired += wakers.len();
        }
        assert_eq!(fired, 4);
        assert_eq!(w.len(), 0);
    }

    #[test]
    fn remove_leaves_nothing_behind() {
        let mut w = Wheel::new();
        let keys: Vec<_> = (1..=100_000u64)
            .map(|d| w.insert(d, noop_waker()).unwrap())
            .collect();
        assert_eq!(w.len(), 100_000);
        for k in keys {
            w.remove(k);
        }
        assert_eq!(w.len(), 0);
        assert_eq!(w.allocated(), 0);
        assert_eq!(w.next_expiration(), None);
        assert!(w.levels.iter().all(|l| l.occupied == 0));
    }

    #[test]
    fn past_deadline_is_fired_at_insert() {
        let mut w = Wheel::new();
        let mut wakers = Vec::new();
        w.advance(1000, &mut wakers);
        assert!(w.insert(999, noop_waker()).is_err());
        assert!(w.insert(1000, noop_waker()).is_err());
        let k = w.insert(1001, noop_waker()).unwrap();
        assert!(!w.is_fired(k));
        assert_eq!(w.allocated(), 1);
    }
}
