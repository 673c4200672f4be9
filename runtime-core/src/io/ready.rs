//! [`Ready`] and [`Interest`]: what an I/O resource is ready for, and what a
//! caller waits for. Same names and meaning as tokio's.

use std::fmt;
use std::ops;

const READABLE: u8 = 1 << 0;
const WRITABLE: u8 = 1 << 1;
const READ_CLOSED: u8 = 1 << 2;
const WRITE_CLOSED: u8 = 1 << 3;
const PRIORITY: u8 = 1 << 4;
const ERROR: u8 = 1 << 5;

/// What an I/O resource is ready for, as last reported by the OS.
///
/// A closed direction counts as ready (an operation on it returns at once:
/// EOF, or an error), so `is_readable()` is true after the peer shut its
/// write half.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ready(u8);

impl Ready {
    /// Nothing.
    pub const EMPTY: Ready = Ready(0);
    /// Reading may make progress.
    pub const READABLE: Ready = Ready(READABLE);
    /// Writing may make progress.
    pub const WRITABLE: Ready = Ready(WRITABLE);
    /// The read half is closed (peer shut down, or hang-up).
    pub const READ_CLOSED: Ready = Ready(READ_CLOSED);
    /// The write half is closed.
    pub const WRITE_CLOSED: Ready = Ready(WRITE_CLOSED);
    /// Priority (out-of-band) data is available.
    pub const PRIORITY: Ready = Ready(PRIORITY);
    /// An error is pending on the resource.
    pub const ERROR: Ready = Ready(ERROR);
    /// Every readiness.
    pub const ALL: Ready =
        Ready(READABLE | WRITABLE | READ_CLOSED | WRITE_CLOSED | PRIORITY | ERROR);

    /// No readiness at all.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// Readable, or the read half is closed.
    pub fn is_readable(self) -> bool {
        self.0 & (READABLE | READ_CLOSED) != 0
    }
    /// Writable, or the write half is closed.
    pub fn is_writable(self) -> bool {
        self.0 & (WRITABLE | WRITE_CLOSED) != 0
    }
    /// The read half is closed.
    pub fn is_read_closed(self) -> bool {
        self.0 & READ_CLOSED != 0
    }
    /// The write half is closed.
    pub fn is_write_closed(self) -> bool {
        self.0 & WRITE_CLOSED != 0
    }
    /// Priority data is available.
    pub fn is_priority(self) -> bool {
        self.0 & PRIORITY != 0
    }
    /// An error is pending.
    pub fn is_error(self) -> bool {
        self.0 & ERROR != 0
    }

    pub(crate) fn as_u8(self) -> u8 {
        self.0
    }

    pub(crate) fn from_u8(bits: u8) -> Ready {
        Ready(bits & Ready::ALL.0)
    }

    /// The closed bits, which once reported are never cleared.
    pub(crate) fn closed(self) -> Ready {
        Ready(self.0 & (READ_CLOSED | WRITE_CLOSED))
    }

    /// Intersects with what `interest` waits for.
    pub(crate) fn intersection(self, interest: Interest) -> Ready {
        Ready(self.0 & interest.mask().0)
    }
}

impl ops::BitOr for Ready {
    type Output = Ready;
    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
}

impl ops::BitOrAssign for Ready {
    fn bitor_assign(&mut self, other: Ready) {
        self.0 |= other.0;
    }
}

impl ops::BitAnd for Ready {
    type Output = Ready;
    fn bitand(self, other: Ready) -> Ready {
        Ready(self.0 & other.0)
    }
}

impl ops::Sub for Ready {
    type Output = Ready;
    fn sub(self, other: Ready) -> Ready {
        Ready(self.0 & !other.0)
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ready")
            .field("is_readable", &self.is_readable())
            .field("is_writable", &self.is_writable())
            .field("is_read_closed", &self.is_read_closed())
            .field("is_write_closed", &self.is_write_closed())
            .field("is_priority", &self.is_priority())
            .field("is_error", &self.is_error())
            .finish()
    }
}

/// What to wait for: [`READABLE`](Interest::READABLE),
/// [`WRITABLE`](Interest::WRITABLE), or both (`READABLE | WRITABLE`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interest(u8);

impl Interest {
    /// Wait until reading may make progress (or the read half closes).
    pub const READABLE: Interest = Interest(READABLE);
    /// Wait until writing may make progress (or the write half closes).
    pub const WRITABLE: Interest = Interest(WRITABLE);
    /// Wait for priority (out-of-band) data.
    pub const PRIORITY: Interest = Interest(PRIORITY);
    /// Wait for an error condition.
    pub const ERROR: Interest = Interest(ERROR);

    /// Includes readable interest.
    pub const fn is_readable(self) -> bool {
        self.0 & READABLE != 0
    }
    /// Includes writable interest.
    pub const fn is_writable(self) -> bool {
        self.0 & WRITABLE != 0
    }
    /// Includes priority interest.
    pub const fn is_priority(self) -> bool {
        self.0 & PRIORITY != 0
    }
    /// Includes error interest.
    pub const fn is_error(self) -> bool {
        self.0 & ERROR != 0
    }

    /// Both interests.
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// `self` without `other`, or `None` if nothing is left.
    pub fn remove(self, other: Interest) -> Option<Interest> {
        let left = self.0 & !other.0;
        (left != 0).then_some(Interest(left))
    }

    /// The readiness that satisfies this interest: a closed direction
    /// counts as ready for it.
    pub(crate) fn mask(self) -> Ready {
        let mut r = 0;
        if self.is_readable() {
            r |= READABLE | READ_CLOSED;
        }
        if self.is_writable() {
            r |= WRITABLE | WRITE_CLOSED;
        }
        if self.is_priority() {
            r |= PRIORITY | READ_CLOSED;
        }
        if self.is_error() {
            r |= ERROR;
        }
        Ready(r)
    }
}

impl ops::BitOr for Interest {
    type Output = Interest;
    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl ops::BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        for (set, name) in [
            (self.is_readable(), "READABLE"),
            (self.is_writable(), "WRITABLE"),
            (self.is_priority(), "PRIORITY"),
            (self.is_error(), "ERROR"),
        ] {
            if set {
                parts.push(name);
            }
        }
        f.write_str(&parts.join(" | "))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_closed_direction_satisfies_its_interest() {
        assert!(Ready::READ_CLOSED
            .intersection(Interest::READABLE)
            .is_readable());
        assert!(Ready::WRITE_CLOSED
            .intersection(Interest::WRITABLE)
            .is_writable());
        assert!(Ready::WRITABLE.intersection(Interest::READABLE).is_empty());
        assert_eq!(
            (Interest::READABLE | Interest::WRITABLE).remove(Interest::READABLE),
            Some(Interest::WRITABLE)
        );
        assert_eq!(Interest::READABLE.remove(Interest::READABLE), None);
        assert_eq!(
            format!("{:?}", Interest::READABLE | Interest::WRITABLE),
            "READABLE | WRITABLE"
        );
    }
}
