//! The program-wide half of signal handling: one slot per signal number,
//! one self-pipe, and the dispatch that turns a delivery into wake-ups.
//!
//! # The problem
//!
//! A signal handler may do almost nothing (no locks, no allocation: only
//! async-signal-safe calls), while a listener is a task that wants a waker
//! called. And signal handlers belong to the program, while reactors belong
//! to runtimes, of which a program may have several, dropped and made at
//! any time.
//!
//! # The parts
//!
//! * **Slots** (`SLOTS`, one per signal number, static): `pending`, an
//!   atomic flag the handler sets; `installed`; and under a mutex the
//!   `generation` (deliveries dispatched so far) and the listeners' wakers.
//! * **The pipe** (`PIPE`, made once, never closed): its write end is what
//!   the handler writes one byte to; its read end is registered with the
//!   reactor of every runtime a listener has used, as that reactor's
//!   self-pipe ([`Handle::enable_self_pipe`](crate::reactor::Handle::enable_self_pipe)).
//! * **The handler** (installed through `signal-hook-registry` the first time
//!   anyone listens for that signal, then never removed): `pending = true`,
//!   then `write(pipe, 1 byte)`. Both are async-signal-safe; a full pipe
//!   (`EAGAIN`) is fine, since a wake-up is pending already.
//! * **Dispatch** ([`dispatch`]): drain the pipe, then for each slot whose
//!   `pending` it swaps from true to false, bump its `generation` and take
//!   its wakers. Run by a runtime's driver (its signal layer,
//!   [`super::driver`]) after the turn that saw the pipe readable — whichever runtime's driver that is; the listeners may be
//!   anywhere, since a waker works across runtimes — and directly when a
//!   listener is made, so that it starts after every delivery so far.
//! * **Listeners** ([`Signal`](super::unix::Signal)): each remembers the generation it has seen.
//!   `recv` returns when the slot's generation differs from it, else
//!   stores its waker. A new listener registers the pipe with its runtime,
//!   dispatches, reads the generation, and only then installs the handler
//!   (if it is the first): deliveries dispatched before it are old news,
//!   any delivery the handler catches is new.
//!
//! # Why nothing is lost
//!
//! * *Handler vs dispatch.* The handler sets `pending` before it writes the
//!   byte. A dispatch drains the pipe before it swaps the flags. A byte the
//!   drain did not read stays in the pipe: the write made the pipe readable,
//!   an edge every registered reactor reports, so another dispatch follows.
//!   A byte the drain read was written after its flag was set, so the swap
//!   that follows sees the flag. At worst a dispatch finds a flag whose
//!   byte is still in the pipe, and the next dispatch finds nothing to do.
//! * *Dispatch vs listener.* Both touch `generation` and the wakers under
//!   the slot's mutex: a listener that found the old generation stored its
//!   waker before the bump, so the bump's dispatch wakes it.
//! * *Between two `recv`s.* The generation moves on whether or not anyone
//!   waits; a listener compares it with what it saw last, so a delivery
//!   while it was busy makes the next `recv` return at once. Several
//!   deliveries before it looks are one (as with tokio's signals: a signal
//!   is "at least once more since you last looked", not a count).
//! * *Several runtimes.* Each registers the same read end with its own
//!   reactor; every one gets the edge, the first to drain dispatches, the
//!   others find an empty pipe. The pipe is registered with a listener's
//!   runtime when the listener is made and with any runtime it is polled
//!   on, so a listener is served as long as one of those runtimes runs.
//! * *Shutdown.* A runtime's shutdown wakes every listener ([`wake_all`]);
//!   those whose runtime is gone see it and return `None`.
//!
//! # Why `std` atomics and locks here, not the `loom` shim
//!
//! Everything here is a `static` shared by the whole program and touched
//! from signal handlers, which no loom model can own or run. The protocol is
//! one mutex per slot plus one flag, argued above.

use crate::reactor;
use std::io::{ErrorKind, Read};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::task::Waker;

/// Slots for signal numbers `0..NUM_SLOTS` (Linux has 64 signals; 0 is
/// none).
pub(super) const NUM_SLOTS: usize = 65;

pub(super) struct Slot {
    /// Set by the handler, cleared by the dispatch that bumps `generation`.
    pending: AtomicBool,
    /// `state.generation`, stored under the lock and readable without it
    /// ([`dispatched`]).
    dispatched: AtomicUsize,
    /// The handler is installed (once, for the program's life).
    installed: AtomicBool,
    state: Mutex<SlotState>,
}

pub(super) struct SlotState {
    /// Deliveries dispatched so far (wrapping).
    pub(super) generation: usize,
    /// Listeners' wakers, by listener key. `None`: the listener was woken
    /// (or never waited) and has not stored a new waker since.
    pub(super) waiters: slab::Slab<Option<Waker>>,
}

static SLOTS: [Slot; NUM_SLOTS] = [const { Slot::new() }; NUM_SLOTS];

/// Serializes handler installation.
static INSTALL: Mutex<()> = Mutex::new(());

struct Pipe {
    sender: mio::unix::pipe::Sender,
    receiver: mio::unix::pipe::Receiver,
}

static PIPE: OnceLock<Pipe> = OnceLock::new();

/// The self-pipe, made on first use (both ends non-blocking, close-on-exec).
fn pipe() -> std::io::Result<&'static Pipe> {
    if let Some(p) = PIPE.get() {
        return Ok(p);
    }
    let _guard = INSTALL.lock().unwrap();
    if let Some(p) = PIPE.get() {
        return Ok(p);
    }
    let (sender, receiver) = mio::unix::pipe::new()?;
    Ok(PIPE.get_or_init(|| Pipe { sender, receiver }))
}

impl Slot {
    const fn new() -> Slot {
        Slot {
            pending: AtomicBool::new(false),
            dispatched: AtomicUsize::new(0),
            installed: AtomicBool::new(false),
            state: Mutex::new(SlotState {
                generation: 0,
                waiters: slab::Slab::new(),
            }),
        }
    }

    pub(super) fn get(signum: usize) -> &'static Slot {
        &SLOTS[signum]
    }

    /// The generation and the wakers. No user code runs under this lock
    /// (wakers are cloned before it and woken after), so, as everywhere in
    /// this crate ([`crate::loom`]), a poisoned lock is a bug and panics.
    pub(super) fn state(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock().unwrap()
    }
}

/// Registers the pipe with `rt`'s reactor if not yet done; a first
/// registration dispatches what arrived before it (module docs).
pub(super) fn enable(rt: &reactor::Handle) -> std::io::Result<()> {
    let pipe = pipe()?;
    if rt.enable_self_pipe(pipe.receiver.as_raw_fd())? {
        dispatch_now();
    }
    Ok(())
}

/// Installs the handler for `signum` (once per program). `signum` has been
/// checked: not forbidden, within `1..NUM_SLOTS`.
pub(super) fn install(signum: usize) -> std::io::Result<()> {
    let slot = Slot::get(signum);
    if slot.installed.load(Acquire) {
        return Ok(());
    }
    let write_fd = pipe()?.sender.as_raw_fd();
    let _guard = INSTALL.lock().unwrap();
    if slot.installed.load(Acquire) {
        return Ok(());
    }
    let action = move || {
        slot.pending.store(true, SeqCst);
        // SAFETY: `write_fd` is the pipe's write end, open for the program's
        // life; the buffer is one valid byte. write(2) is async-signal-safe;
        // its error (EAGAIN: the pipe is full, so a wake-up is pending
        // anyway) needs no handling.
        unsafe { libc::write(write_fd, [1u8].as_ptr().cast(), 1) };
    };
    // SAFETY: the action only stores to an atomic and calls write(2), both
    // async-signal-safe, and cannot panic. `signum` is not in `FORBIDDEN`
    // (checked by the caller), so `register` does not panic either.
    unsafe { signal_hook_registry::register(signum as libc::c_int, action) }.map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!(
                "cannot install a handler for {}: {e}",
                super::kind::name(signum as i32)
            ),
        )
    })?;
    slot.installed.store(true, Release);
    Ok(())
}

/// Delivers the signals that arrived: drains the pipe, then bumps each
/// pending signal's generation and collects its listeners' wakers into
/// `wakers` (the caller wakes them, with no lock held).
fn dispatch(wakers: &mut Vec<Waker>) {
    let Some(pipe) = PIPE.get() else { return };
    let mut buf = [0u8; 128];
    loop {
        match (&pipe.receiver).read(&mut buf) {
            Ok(0) => break,
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            // WouldBlock: drained. Nothing else can fail on a pipe we own.
            Err(_) => break,
        }
    }
    for slot in &SLOTS {
        if !slot.pending.swap(false, SeqCst) {
            continue;
        }
        let mut state = slot.state();
        state.generation = state.generation.wrapping_add(1);
        slot.dispatched.store(state.generation, Release);
        wakers.extend(state.waiters.iter_mut().filter_map(|(_, w)| w.take()));
    }
}

/// How many deliveries of `signum` have been dispatched so far (wrapping),
/// read without the slot's lock: a layer above compares it with what it
/// saw last to learn that the signal came. `signum` must be below
/// [`NUM_SLOTS`].
pub(crate) fn dispatched(signum: usize) -> usize {
    SLOTS[signum].dispatched.load(Acquire)
}

/// [`dispatch`], waking the listeners here.
pub(super) fn dispatch_now() {
    let mut wakers = Vec::new();
    dispatch(&mut wakers);
    for w in wakers {
        crate::contain::wake(w, "a signal");
    }
}

/// Wakes every listener of every signal, to look again: a runtime shut down,
/// and its listeners must see it.
pub(super) fn wake_all() {
    let mut wakers = Vec::new();
    for slot in &SLOTS {
        if slot.installed.load(Acquire) {
            wakers.extend(
                slot.state()
                    .waiters
                    .iter_mut()
                    .filter_map(|(_, w)| w.take()),
            );
        }
    }
    for w in wakers {
        crate::contain::wake(w, "a signal");
    }
}

/// Makes sure `signum` (checked: a signal that may be listened for) is
/// dispatched from now on, on `rt`'s reactor if given, with nobody
/// listening: for a layer above that watches [`dispatched`] instead.
pub(crate) fn watch(signum: usize, rt: Option<&reactor::Handle>) -> std::io::Result<()> {
    install(signum)?;
    match rt {
        Some(rt) => enable(rt),
        None => Ok(()),
    }
}
