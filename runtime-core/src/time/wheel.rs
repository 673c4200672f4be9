//! A hierarchical timing wheel: 1 ms ticks, 6 levels of 64 slots (a level
//! `l` slot spans 64^l ms, so one turn of the top level, the wheel's *span*,
//! is 64^6 ms ≈ 2.2 years).
//!
//! Entries live in a [`Slab`] and each slot is a doubly linked list threaded
//! through slab keys, so insert and remove are O(1); a per-level `occupied`
//! bitmask finds the next non-empty slot with one rotate + `trailing_zeros`.
//! An entry sits at the level of the highest base-64 digit in which its
//! deadline differs from `elapsed`; when time reaches a higher-level slot,
//! its entries cascade down to finer levels or fire. Each entry cascades at
//! most 5 times: O(1) amortized.
//!
//! Ticks are plain `u64`s, unbounded by the span, in both directions:
//! * `elapsed` may run past 2^36 (a runtime up for years): the top level's
//!   slots wrap around, and an entry whose deadline lies across a multiple
//!   of 2^36 sits in the top level, in its deadline's slot of the next turn;
//! * a deadline beyond the span is *filed* at the farthest safe slot (the
//!   horizon, see [`Wheel::filing_tick`]); when time reaches that slot the
//!   entry is re-filed, never fired, until its real deadline is in range.
//!
//! Why nothing fires early: an entry fires only when its slot is processed
//! with `deadline <= elapsed`; every other entry of the slot is re-filed.
//! Why nothing is lost or loops: an entry is always filed in a slot that
//! starts after `elapsed` (the filing tick is later than `elapsed` and lies
//! in a later slot of its level, or in a later top-level slot within one
//! turn), and entries of a lower level all lie before any entry of a higher
//! one, so processing the lowest occupied level's next slot first visits
//! slots in time order.
//!
//! Pure data structure: no locking, no clock. The driver owns it behind a mutex.

use slab::Slab;
use std::panic::Location;
use std::task::Waker;

const LEVELS: usize = 6;
const SLOTS: usize = 64;
const NIL: Key = Key::MAX;
/// Ticks spanned by one slot of the top level.
const TOP_SLOT: u64 = 1 << (6 * (LEVELS - 1));
/// One turn of the top level: 2^36 ticks.
const SPAN: u64 = TOP_SLOT * SLOTS as u64;
/// A deadline that never comes: `advance` never reaches this tick.
pub(crate) const NEVER: u64 = u64::MAX;

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
    /// Where its `Sleep` was made (for dumps), once set.
    site: Option<&'static Location<'static>>,
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
    /// Below [`NEVER`].
    elapsed: u64,
    /// Boxed: 3 KiB that a runtime's start-up would otherwise move around
    /// by value (and that overflowed loom's small model stacks).
    levels: Box<[Level; LEVELS]>,
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
            levels: Box::new(std::array::from_fn(|_| Level {
                occupied: 0,
                slots: [Slot { head: NIL }; SLOTS],
            })),
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
        if deadline <= self.elapsed {
            return Err(waker);
        }
        let key = self.entries.insert(Entry {
            deadline,
            waker: Some(waker),
            site: None,
            at: Where::Fired,
            prev: NIL,
            next: NIL,
        });
        self.link(key);
        Ok(key)
    }

    /// Remembers where the timer of `key` was made.
    pub(crate) fn set_site(&mut self, key: Key, site: &'static Location<'static>) {
        self.entries[key].site = Some(site);
    }

    /// The deadline and site of `key`'s timer, if it is queued (not fired,
    /// not free).
    pub(crate) fn queued(&self, key: Key) -> Option<(u64, Option<&'static Location<'static>>)> {
        let e = self.entries.get(key)?;
        matches!(e.at, Where::Queued { .. }).then_some((e.deadline, e.site))
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
            // The top level's next turn (lower levels never wrap: their
            // entries lie within the current slot of the level above).
            tick = tick.saturating_add(level_range);
        }
        Some((slot as usize, tick.max(self.elapsed)))
    }

    /// Advances to `now`, firing everything due, in deadline order. Wakers of
    /// fired entries are pushed onto `wakers` for the caller to wake outside
    /// its lock.
    pub(crate) fn advance(&mut self, now: u64, wakers: &mut Vec<Waker>) {
        let now = now.min(NEVER - 1);
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
        self.elapsed = self.elapsed.max(now);
    }

    /// Where an entry due at `deadline` (later than `elapsed`) is filed: its
    /// deadline, or the *horizon* if that is sooner. The horizon is the
    /// start of the top-level slot before the current one, one turn ahead:
    /// always in a later top-level slot than `elapsed`'s (so the entry is not
    /// processed again at once), and still within one turn (so its slot's
    /// next start is the horizon itself, never sooner).
    fn filing_tick(&self, deadline: u64) -> u64 {
        let horizon = (self.elapsed & !(TOP_SLOT - 1)).saturating_add(SPAN - TOP_SLOT);
        deadline.min(horizon)
    }

    /// The level of the highest base-64 digit in which `tick` differs from
    /// `elapsed`; digits above the top level (a tick across a multiple of
    /// the span) count as the top level.
    fn level_for(&self, tick: u64) -> usize {
        let masked = (self.elapsed ^ tick) | (SLOTS as u64 - 1);
        let significant = 63 - masked.leading_zeros() as usize;
        (significant / 6).min(LEVELS - 1)
    }

    fn link(&mut self, key: Key) {
        let tick = self.filing_tick(self.entries[key].deadline);
        let l = self.level_for(tick);
        let slot = ((tick >> (6 * l)) % SLOTS as u64) as usize;
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

    /// Marks a queued entry fired now, whatever its deadline: stands in for
    /// a wheel bug in tests of what sits above the wheel.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn fire_early(&mut self, key: Key) -> Option<Waker> {
        self.unlink(key);
        self.entries[key].waker.take()
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

    /// Advances from expiration to expiration, as a driver with nothing
    /// else to do, at most `steps` times; returns the tick at which each
    /// entry fired (`None`: not yet).
    fn fired_by_steps(w: &mut Wheel, keys: &[Key], steps: usize) -> Vec<Option<u64>> {
        let mut at = vec![None; keys.len()];
        for _ in 0..steps {
            let Some(t) = w.next_expiration() else { break };
            assert!(
                t >= w.elapsed(),
                "expiration {t} before elapsed {}",
                w.elapsed()
            );
            let mut wakers = Vec::new();
            w.advance(t, &mut wakers);
            for (i, &k) in keys.iter().enumerate() {
                if at[i].is_none() && w.is_fired(k) {
                    at[i] = Some(w.elapsed());
                }
            }
            if let Some(next) = w.next_expiration() {
                assert!(
                    next > t,
                    "no progress: expiration {next} after advancing to {t}"
                );
            }
        }
        at
    }

    #[test]
    fn deadlines_beyond_the_span_are_refiled_never_fired_early() {
        let mut w = Wheel::new();
        let deadlines = [
            SPAN - 1,
            SPAN,
            SPAN + 1,
            SPAN + TOP_SLOT + 5,
            3 * SPAN + 12_345,
            (1 << 44) + 3,
        ];
        let keys: Vec<_> = deadlines
            .iter()
            .map(|&d| w.insert(d, noop_waker()).unwrap())
            .collect();
        let never = w.insert(NEVER, noop_waker()).unwrap();
        let fired = fired_by_steps(&mut w, &keys, 10_000);
        for (i, &d) in deadlines.iter().enumerate() {
            assert_eq!(fired[i], Some(d), "deadline {d}");
        }
        assert!(!w.is_fired(never));
        // Jumping far ahead in one go: the unreachable deadline is re-filed
        // (about 16 000 times here), never fired.
        w.advance(1 << 50, &mut Vec::new());
        assert!(!w.is_fired(never));
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn a_wheel_past_the_span_fires_each_entry_at_its_tick() {
        let offsets = [
            1,
            2,
            63,
            64,
            65,
            4096,
            TOP_SLOT - 1,
            TOP_SLOT,
            TOP_SLOT + 1,
            SPAN - TOP_SLOT,
            SPAN - 1,
            SPAN,
            SPAN + 1,
            3 * SPAN,
        ];
        // Just before a multiple of the span, just after, years later, and
        // ages later.
        for base in [SPAN - 10, SPAN + 12_345, 5 * SPAN - 3, (1 << 50) + 7] {
            let mut w = Wheel::new();
            w.advance(base, &mut Vec::new());
            assert_eq!(w.elapsed(), base);
            let keys: Vec<_> = offsets
                .iter()
                .map(|&o| w.insert(base + o, noop_waker()).unwrap())
                .collect();
            let fired = fired_by_steps(&mut w, &keys, 10_000);
            for (i, &o) in offsets.iter().enumerate() {
                assert_eq!(fired[i], Some(base + o), "base {base}, offset {o}");
            }
            assert_eq!(w.len(), 0);
        }
    }

    #[test]
    fn coarse_steps_past_the_span_fire_late_never_early() {
        let base = 3 * SPAN - 150_000;
        let mut w = Wheel::new();
        w.advance(base, &mut Vec::new());
        let deadlines: Vec<u64> = (0..500).map(|i| base + (i * 7919) % 300_000 + 1).collect();
        let keys: Vec<_> = deadlines
            .iter()
            .map(|&d| w.insert(d, noop_waker()).unwrap())
            .collect();
        let mut fired = vec![None; keys.len()];
        let mut now = base;
        while now <= base + 301_000 {
            w.advance(now, &mut Vec::new());
            for (i, &k) in keys.iter().enumerate() {
                if fired[i].is_none() && w.is_fired(k) {
                    fired[i] = Some(now);
                }
            }
            now += 997;
        }
        for (i, &d) in deadlines.iter().enumerate() {
            let at = fired[i].expect("fired");
            assert!(at >= d && at < d + 997, "deadline {d} fired at {at}");
        }
    }

    /// Records the order in which wakers are woken.
    struct Log(u64, std::sync::Arc<std::sync::Mutex<Vec<u64>>>);

    impl std::task::Wake for Log {
        fn wake(self: std::sync::Arc<Self>) {
            self.1.lock().unwrap().push(self.0);
        }
    }

    #[test]
    fn one_advance_fires_in_deadline_order() {
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut w = Wheel::new();
        // Spread over every level, inserted in a scrambled order.
        let mut deadlines: Vec<u64> = (0..300u64).map(|i| 1 + (i * 7919) % 5_000_000).collect();
        deadlines.sort();
        deadlines.dedup();
        for i in (0..deadlines.len()).map(|i| (i * 37) % deadlines.len()) {
            let d = deadlines[i];
            let waker = Waker::from(std::sync::Arc::new(Log(d, log.clone())));
            w.insert(d, waker).unwrap();
        }
        let mut wakers = Vec::new();
        w.advance(6_000_000, &mut wakers);
        wakers.into_iter().for_each(Waker::wake);
        assert_eq!(*log.lock().unwrap(), deadlines);
    }
}
