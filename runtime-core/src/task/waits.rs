//! What a task waits on, or when it was last woken: one word in its header
//! (`Header::wait`), for the dump and [`TaskInfo`](super::TaskInfo).
//!
//! # The word
//!
//! ```text
//!  bits 60..64: kind | bits 0..60: what the kind says
//! ```
//!
//! * `WOKEN`: the task was scheduled (spawned, or woken while idle) at the
//!   time in the payload, in nanoseconds of [`now_ns`]'s clock (0: not
//!   known). Written when its `Notified` is queued, so a task that is
//!   scheduled, or that went idle without recording a wait (it awaits a
//!   channel, a lock, anything the runtime does not own), shows this kind.
//! * the other kinds ([`WaitOn`]): recorded during a poll by a leaf future
//!   of the runtime (a timer, a socket's readiness, a `JoinHandle`, a
//!   signal, a child process, a file operation) as it returns `Pending`:
//!   what the task now waits on. The last record of a poll wins; a
//!   combinator that knows better (a `Timeout` waits on its inner future,
//!   not on its deadline) records after its parts, or keeps them from
//!   recording.
//!
//! # Who writes it when
//!
//! * Whoever queues the task's one `Notified` — the spawner, a waker that
//!   found it idle, the poller rescheduling it — stamps `WOKEN`. The state
//!   word's `NOTIFIED` bit makes that thread the only one: no poll runs
//!   between that transition and the next `transition_to_running` (a wake
//!   during a poll leaves the queueing to the poller, after the poll).
//! * The thread polling the task (it holds `RUNNING`, so nothing is
//!   queued meanwhile) records a [`WaitOn`], through the thread's current
//!   task (`context::current_task`): a store, no read-modify-write.
//!
//! The writers are thus ordered by the state word's transitions, and the
//! word is an atomic only for its readers: dumps on other threads, which
//! load it `Relaxed` beside the state word. A dump may pair the state of
//! one moment with the word of the next; the kind says how to read the
//! word whatever the state says, and a dump is a snapshot taken task by
//! task anyway.
//!
//! # The stamps' clock
//!
//! A clock read costs 20–80 ns on a virtual machine, more than a whole
//! wake-to-poll round trip of a yielding task; the stamp therefore comes
//! from a *coarse clock* ([`coarse_ns`]): one process-wide value that the
//! runtime's threads refresh between tasks — every
//! `global_queue_interval` polls and when they wake from parking — with
//! the OS's coarse clock (a few milliseconds of resolution). A task
//! woken on a runtime whose threads are all stuck in a poll carries the
//! time of the last refresh, which the slow-poll reports tell about. A
//! runtime built with the schedule-latency histogram stamps with the
//! precise clock instead, which its histogram needs.

use super::Id;
use crate::context;
use crate::io::Interest;
use crate::loom::atomic::Ordering::Relaxed;
use crate::scheduler;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

const KIND_SHIFT: u32 = 60;
const PAYLOAD: u64 = (1 << KIND_SHIFT) - 1;

const WOKEN: u64 = 0;
const SLEEP: u64 = 1;
const IO: u64 = 2;
const JOIN: u64 = 3;
const BLOCKING: u64 = 4;
const SIGNAL: u64 = 5;
const CHILD: u64 = 6;
const LABEL: u64 = 7;

/// The word of a task that was never queued yet: woken at an unknown time.
pub(crate) const SPAWNED: u64 = WOKEN << KIND_SHIFT;

/// Bits of a timer's key and of its deadline tick kept in a `SLEEP` word.
const SLEEP_KEY_BITS: u32 = 32;
const SLEEP_TICK_MASK: u64 = (1 << (KIND_SHIFT - SLEEP_KEY_BITS)) - 1;
/// Bits of an I/O token's index and generation kept in an `IO` word (the
/// interest takes the 2 lowest bits).
const IO_INDEX_BITS: u32 = 30;
const IO_GEN_BITS: u32 = KIND_SHIFT - 2 - IO_INDEX_BITS;
/// A label's length, and the bits left for its address.
const LABEL_LEN_BITS: u32 = 12;
const LABEL_ADDR_BITS: u32 = KIND_SHIFT - LABEL_LEN_BITS;

/// What a task waits on, as a leaf future records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaitOn {
    /// A timer: its key in the wheel, and the low bits of its deadline tick
    /// (so that a key reused by another timer is not taken for it).
    Sleep { key: usize, tick: u64 },
    /// An I/O resource's readiness: its token's index and the low bits of
    /// its generation (the reactor finds the resource with them, or knows it
    /// is gone), and the readiness awaited.
    Io {
        index: usize,
        generation: usize,
        readable: bool,
        writable: bool,
    },
    /// Another task's `JoinHandle`.
    Join(Id),
    /// A blocking job's `JoinHandle`.
    Blocking(Id),
    /// A Unix signal, by number.
    Signal(i32),
    /// A child process, by pid.
    Child(u32),
    /// A fixed description (a file operation on the blocking pool).
    Label(&'static str),
}

/// What a task's word says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Word {
    /// Scheduled at this time of [`now_ns`]'s clock (`None`: not known).
    Woken(Option<u64>),
    Waits(WaitOn),
}

impl WaitOn {
    /// An I/O wait on the resource of reactor token `index | generation`
    /// (as the reactor makes them) for `interest`.
    pub(crate) fn io(index: usize, generation: usize, interest: Interest) -> WaitOn {
        WaitOn::Io {
            index,
            generation,
            readable: interest.is_readable(),
            writable: interest.is_writable(),
        }
    }

    fn encode(self) -> u64 {
        let (kind, payload) = match self {
            WaitOn::Sleep { key, tick } => (
                SLEEP,
                (key as u64 & ((1 << SLEEP_KEY_BITS) - 1))
                    | ((tick & SLEEP_TICK_MASK) << SLEEP_KEY_BITS),
            ),
            WaitOn::Io {
                index,
                generation,
                readable,
                writable,
            } => {
                let index = index as u64 & ((1 << IO_INDEX_BITS) - 1);
                let generation = generation as u64 & ((1 << IO_GEN_BITS) - 1);
                let interest = readable as u64 | (writable as u64) << 1;
                (
                    IO,
                    interest | index << 2 | generation << (2 + IO_INDEX_BITS),
                )
            }
            WaitOn::Join(id) => (JOIN, id.as_u64()),
            WaitOn::Blocking(id) => (BLOCKING, id.as_u64()),
            WaitOn::Signal(n) => (SIGNAL, n as u32 as u64),
            WaitOn::Child(pid) => (CHILD, pid as u64),
            WaitOn::Label(s) => {
                let addr = s.as_ptr().expose_provenance() as u64;
                let len = s.len() as u64;
                if addr >> LABEL_ADDR_BITS != 0 || len >> LABEL_LEN_BITS != 0 {
                    // Cannot be told later: record nothing rather than a
                    // wrong text.
                    return SPAWNED;
                }
                (LABEL, addr | len << LABEL_ADDR_BITS)
            }
        };
        debug_assert!(payload <= PAYLOAD, "{self:?} does not fit");
        kind << KIND_SHIFT | (payload & PAYLOAD)
    }
}

impl Word {
    pub(crate) fn decode(word: u64) -> Word {
        let payload = word & PAYLOAD;
        let wait = match word >> KIND_SHIFT {
            SLEEP => WaitOn::Sleep {
                key: (payload & ((1 << SLEEP_KEY_BITS) - 1)) as usize,
                tick: payload >> SLEEP_KEY_BITS,
            },
            IO => WaitOn::Io {
                readable: payload & 1 != 0,
                writable: payload & 2 != 0,
                index: ((payload >> 2) & ((1 << IO_INDEX_BITS) - 1)) as usize,
                generation: (payload >> (2 + IO_INDEX_BITS)) as usize,
            },
            JOIN | BLOCKING => match Id::from_u64(payload) {
                Some(id) if word >> KIND_SHIFT == JOIN => WaitOn::Join(id),
                Some(id) => WaitOn::Blocking(id),
                None => return Word::Woken(None),
            },
            SIGNAL => WaitOn::Signal(payload as u32 as i32),
            CHILD => WaitOn::Child(payload as u32),
            LABEL => {
                let addr = (payload & ((1 << LABEL_ADDR_BITS) - 1)) as usize;
                let len = (payload >> LABEL_ADDR_BITS) as usize;
                let ptr = std::ptr::with_exposed_provenance::<u8>(addr);
                // SAFETY: a `LABEL` word is only made by `encode` from a
                // `&'static str` (`WaitOn::Label`), whose address and length
                // it kept whole (it refuses those that do not fit), and
                // whose provenance it exposed: these are that string's
                // bytes, alive and unchanged for the rest of the program.
                let s =
                    unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(ptr, len)) };
                WaitOn::Label(s)
            }
            _ => return Word::Woken((payload != 0).then_some(payload)),
        };
        Word::Waits(wait)
    }

    /// The word that says "scheduled at `ns`".
    pub(crate) fn woken(ns: u64) -> u64 {
        WOKEN << KIND_SHIFT | (ns & PAYLOAD)
    }
}

/// Records that the task being polled on this thread now waits on `what`
/// (module docs). Does nothing outside a task's poll (a `block_on`
/// future).
pub(crate) fn record(what: WaitOn) {
    if let Some(task) = context::current_task() {
        // The harness holds a reference to the current task while it is
        // current (`context::TaskGuard`), and we are inside its poll.
        task.header().wait.store(what.encode(), Relaxed);
    }
}

/// `fut`, recording `what` whenever it returns `Pending` (after whatever
/// its parts recorded): for the runtime's `async fn`s, whose leaf futures
/// say less than the caller knows (a child's pidfd is just "readable").
pub(crate) fn waiting_on<F: Future>(what: WaitOn, fut: F) -> WaitingOn<F> {
    WaitingOn { what, fut }
}

pin_project_lite::pin_project! {
    /// The future of [`waiting_on`].
    pub(crate) struct WaitingOn<F> {
        what: WaitOn,
        #[pin]
        fut: F,
    }
}

impl<F: Future> Future for WaitingOn<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let res = this.fut.poll(cx);
        if res.is_pending() {
            record(*this.what);
        }
        res
    }
}

/// Nanoseconds on the monotonic clock: `CLOCK_MONOTONIC` (what
/// `std::time::Instant` reads) on Linux, elsewhere since the first call.
/// Never 0 (0 means "not known" in a `WOKEN` word).
pub(crate) fn now_ns() -> u64 {
    #[cfg(target_os = "linux")]
    {
        clock_ns(libc::CLOCK_MONOTONIC)
    }
    #[cfg(not(target_os = "linux"))]
    {
        static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        let epoch = *EPOCH.get_or_init(std::time::Instant::now);
        u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX) | 1
    }
}

#[cfg(target_os = "linux")]
fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime(2) writes one `timespec` through the pointer,
    // which points to a live local; it fails only for a bad clock id, and
    // these two exist on every Linux this runs on.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    (ts.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(ts.tv_nsec as u64)
        | 1
}

/// The coarse clock (module docs). Not part of any protocol (any thread
/// may overwrite it with a reading of its own, and a reader takes whatever
/// it finds), so it is a plain std atomic, out of loom's sight. On cache
/// lines of its own: every schedule reads it, and no hot counter of
/// another crate (the task id counter) should share its line.
static COARSE_NS: Line = Line(std::sync::atomic::AtomicU64::new(0));

#[repr(align(128))]
struct Line(std::sync::atomic::AtomicU64);

/// The coarse clock's last reading (0 before the first refresh).
pub(crate) fn coarse_ns() -> u64 {
    COARSE_NS.0.load(std::sync::atomic::Ordering::Relaxed)
}

/// Refreshes the coarse clock: called by runtime threads between tasks.
pub(crate) fn refresh_coarse() {
    #[cfg(target_os = "linux")]
    let now = clock_ns(libc::CLOCK_MONOTONIC_COARSE);
    #[cfg(not(target_os = "linux"))]
    let now = now_ns();
    COARSE_NS.0.store(now, std::sync::atomic::Ordering::Relaxed);
}

/// Stamps `task` as scheduled now: `precise` with [`now_ns`] (a runtime
/// with the schedule-latency histogram), else with [`coarse_ns`].
pub(crate) fn stamp_woken(task: &super::Header, precise: bool) {
    let now = if precise { now_ns() } else { coarse_ns() };
    task.wait.store(Word::woken(now), Relaxed);
}

/// What a dump says a task waits on (`handle`: the task's runtime, whose
/// timers and I/O resources the word names; `name_of`: the name of a
/// live task, for joins).
pub(crate) fn describe(
    what: WaitOn,
    handle: &scheduler::Handle,
    name_of: &dyn Fn(Id) -> Option<String>,
) -> String {
    match what {
        WaitOn::Sleep { key, tick } => {
            let time = handle.time();
            match time.describe(key, tick, SLEEP_TICK_MASK) {
                Some((deadline, site)) => {
                    let now = time.clock.now();
                    let when = match deadline.checked_duration_since(now) {
                        Some(left) => format!("+{}", Elapsed(left)),
                        None => format!("{} ago", Elapsed(now - deadline)),
                    };
                    match site {
                        Some(site) => format!("sleep until {when} (at {site})"),
                        None => format!("sleep until {when}"),
                    }
                }
                None => "a timer that has fired".to_owned(),
            }
        }
        WaitOn::Io {
            index,
            generation,
            readable,
            writable,
        } => {
            let verb = match (readable, writable) {
                (true, false) => "readable",
                (false, true) => "writable",
                _ => "readable or writable",
            };
            match handle.io().describe(index, generation, IO_GEN_BITS) {
                Some(resource) => format!("{verb} on {resource}"),
                None => format!("{verb} on an I/O resource that is closed now"),
            }
        }
        WaitOn::Join(id) => match name_of(id) {
            Some(name) => format!("join of Task#{id} {name:?}"),
            None => format!("join of Task#{id}"),
        },
        WaitOn::Blocking(id) => format!("blocking job #{id} on the blocking pool"),
        WaitOn::Signal(n) => format!("signal {}", signal_name(n)),
        WaitOn::Child(pid) => format!("child process {pid}"),
        WaitOn::Label(s) => s.to_owned(),
    }
}

/// `SIGINT`, or the number of a signal without a usual name.
fn signal_name(n: i32) -> String {
    let name = match n {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGTERM => "SIGTERM",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGCHLD => "SIGCHLD",
        libc::SIGALRM => "SIGALRM",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGWINCH => "SIGWINCH",
        n => return format!("#{n}"),
    };
    name.to_owned()
}

/// A duration as a dump shows it: `1.2 s`, `35 ms`, `80 µs`.
pub(crate) struct Elapsed(pub(crate) Duration);

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d >= Duration::from_secs(1) {
            write!(f, "{:.1} s", d.as_secs_f64())
        } else if d >= Duration::from_millis(1) {
            write!(f, "{} ms", d.as_millis())
        } else {
            write!(f, "{} µs", d.as_micros())
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_wait_reads_back_as_recorded() {
        let waits = [
            WaitOn::Sleep {
                key: 12,
                tick: 1234,
            },
            WaitOn::io(7, 3, Interest::READABLE),
            WaitOn::io(1 << 20, 9, Interest::READABLE | Interest::WRITABLE),
            WaitOn::Join(Id::from_u64(42).unwrap()),
            WaitOn::Blocking(Id::from_u64(1 << 40).unwrap()),
            WaitOn::Signal(libc::SIGINT),
            WaitOn::Child(4242),
            WaitOn::Label("fs::read"),
        ];
        for w in waits {
            assert_eq!(Word::decode(w.encode()), Word::Waits(w));
        }
        assert_eq!(Word::decode(SPAWNED), Word::Woken(None));
        assert_eq!(Word::decode(Word::woken(5)), Word::Woken(Some(5)));
    }

    #[test]
    fn a_label_keeps_its_text() {
        let Word::Waits(WaitOn::Label(s)) =
            Word::decode(WaitOn::Label("I/O on the blocking pool (fs::read)").encode())
        else {
            panic!("not a label");
        };
        assert_eq!(s, "I/O on the blocking pool (fs::read)");
    }

    #[test]
    fn the_clocks_move_forward() {
        let a = now_ns();
        refresh_coarse();
        let c = coarse_ns();
        assert!(c > 0);
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(now_ns() > a);
        refresh_coarse();
        assert!(coarse_ns() > c);
    }
}
