//! Reaping: how a child's exit is noticed, and how a child nobody waits for
//! any more is still collected.
//!
//! A child that exited stays a *zombie* (an entry in the OS's process table,
//! holding its exit status) until its parent collects it with `waitpid`. A
//! runtime must do that without blocking a thread, and without leaving
//! zombies behind when a [`Child`](super::Child) is dropped unawaited.
//!
//! # A child someone waits for: its [`Reaper`]
//!
//! * **pidfd** (Linux 5.3 and later): `pidfd_open` gives a descriptor that
//!   turns readable when the child exits. It is registered with the reactor
//!   like a socket; `wait` tries a non-blocking `waitpid` for this one pid,
//!   and on "still running" sleeps until the descriptor is readable.
//! * **SIGCHLD** (older kernels, or a sandbox that refuses `pidfd_open`):
//!   each waiting child holds a `SIGCHLD` listener (`signal/`), made at
//!   spawn, before the first `waitpid`; every `SIGCHLD` wakes every waiting
//!   child, which tries its own `waitpid`. A `SIGCHLD` that arrived before
//!   the listener was made is covered by the `waitpid` that follows it.
//!
//! Either way only our own pid is ever waited for (never `waitpid(-1)`), so
//! children that other code in the process spawned are left alone.
//!
//! # A child nobody waits for: the orphan queue
//!
//! A `Child` dropped before it was reaped (killed first if `kill_on_drop`)
//! hands its process to one process-wide queue. The queue is swept — a
//! non-blocking `waitpid` for each entry, dropping those that were
//! collected — at exactly these moments:
//!
//! 1. right after a child is queued (a child that already exited goes at
//!    once);
//! 2. after each driver turn that follows a `SIGCHLD` dispatch (the process
//!    layer of the driver stack, [`super::driver`], compares the signal's dispatch
//!    count with the one it swept at): queuing the first orphan installs
//!    the `SIGCHLD` handler and registers the signal pipe with the current
//!    runtime's reactor, so a later exit wakes that runtime's driver, whose
//!    turn dispatches the signal and then sweeps the queue;
//! 3. before each [`Command::spawn`](super::Command::spawn).
//!
//! So no zombie outlives its `Child` by more than the time it takes a
//! running runtime to notice the `SIGCHLD`. If no runtime with the pipe
//! registered runs any more (the `Child` was dropped after its runtime), the
//! zombie waits for the next spawn.

use crate::io::Interest;
use crate::loom::Arc;
use crate::reactor::PollEvented;
use crate::signal::unix::{Signal, SignalKind};
use std::io::{self, ErrorKind};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::process::ExitStatus;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;

/// How a waiting child learns that it exited (module docs).
pub(super) enum Reaper {
    /// Readable once the child exited.
    PidFd(PollEvented<OwnedFd>),
    /// Woken by every `SIGCHLD`.
    Sigchld(Signal),
}

/// `pidfd_open` failed with `ENOSYS` once: the kernel has none.
static NO_PIDFD: AtomicBool = AtomicBool::new(false);

impl Reaper {
    /// A reaper for the child `pid`, registered with `rt`'s reactor: pidfd
    /// where the kernel has it (unless `force_sigchld`), else `SIGCHLD`.
    pub(super) fn new(
        pid: u32,
        rt: Arc<crate::reactor::Handle>,
        force_sigchld: bool,
    ) -> io::Result<Reaper> {
        if !force_sigchld && !NO_PIDFD.load(Relaxed) {
            match pidfd_open(pid) {
                Ok(fd) => return PollEvented::new(fd, Interest::READABLE).map(Reaper::PidFd),
                Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => NO_PIDFD.store(true, Relaxed),
                // EPERM from a sandbox, EMFILE: this child uses SIGCHLD.
                Err(_) => {}
            }
        }
        Signal::with_runtime(SignalKind::child(), rt).map(Reaper::Sigchld)
    }

    /// Waits until `child` has exited, and reaps it.
    pub(super) async fn wait(&mut self, child: &mut std::process::Child) -> io::Result<ExitStatus> {
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(status);
            }
            match self {
                Reaper::PidFd(fd) => {
                    let not_yet = || io::Error::from(ErrorKind::WouldBlock);
                    return fd
                        .async_io(Interest::READABLE, |_| {
                            child.try_wait()?.ok_or_else(not_yet)
                        })
                        .await;
                }
                Reaper::Sigchld(sigchld) => {
                    if sigchld.recv().await.is_none() {
                        return Err(super::shut_down_error());
                    }
                }
            }
        }
    }

    /// Which mechanism this is, for `Debug`.
    pub(super) fn name(&self) -> &'static str {
        match self {
            Reaper::PidFd(_) => "pidfd",
            Reaper::Sigchld(_) => "SIGCHLD",
        }
    }
}

fn pidfd_open(pid: u32) -> io::Result<OwnedFd> {
    // SAFETY: pidfd_open(2) takes a pid and flags (none) and returns a new
    // descriptor or -1; it touches no memory of ours.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a descriptor the call just made (close-on-exec, as
    // pidfds always are), owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Children dropped before they were reaped (module docs). `std` lock: a
/// process-wide static no loom model can own.
static ORPHANS: Mutex<Vec<std::process::Child>> = Mutex::new(Vec::new());

/// Hands a process nobody will wait for to the orphan queue.
pub(super) fn orphan(child: std::process::Child) {
    // First make sure a later exit is dispatched, then look once: an exit
    // between the two is caught by one or the other.
    let rt = crate::reactor::current_handle();
    let _ = crate::signal::watch(libc::SIGCHLD as usize, rt.as_deref());
    lock_orphans().push(child);
    HAS_ORPHANS.store(true, Relaxed);
    reap_orphans();
}

/// An orphan was ever queued: until then a driver turn does not even look
/// at `SIGCHLD`'s dispatch count.
static HAS_ORPHANS: AtomicBool = AtomicBool::new(false);

/// `SIGCHLD`'s dispatch count at the last sweep that followed one.
static SWEPT_AT: AtomicUsize = AtomicUsize::new(0);

/// The process layer's step after each driver turn ([`super::driver`]): sweeps
/// the orphans if a `SIGCHLD` was dispatched since the last such sweep.
/// Two relaxed loads when nothing changed.
pub(super) fn sweep_if_child_exited() {
    if !HAS_ORPHANS.load(Relaxed) {
        return;
    }
    let now = crate::signal::dispatched(libc::SIGCHLD as usize);
    if SWEPT_AT.load(Relaxed) != now && SWEPT_AT.swap(now, Relaxed) != now {
        reap_orphans();
    }
}

/// Reaps the orphans that exited (a non-blocking `waitpid` each). An error
/// (the process was reaped elsewhere) also drops the entry.
pub(super) fn reap_orphans() {
    let mut orphans = lock_orphans();
    if !orphans.is_empty() {
        orphans.retain_mut(|c| matches!(c.try_wait(), Ok(None)));
    }
}

/// Orphans not reaped yet.
#[cfg(test)]
pub(super) fn num_orphans() -> usize {
    lock_orphans().len()
}

fn lock_orphans() -> std::sync::MutexGuard<'static, Vec<std::process::Child>> {
    // Only `push` and `try_wait` run under it: poisoned means a bug, and
    // panics as every lock of this crate does (`crate::loom`).
    ORPHANS.lock().unwrap()
}
