//! [`Command`]: std's process builder, spawning children the runtime waits
//! for.

use super::{reap, Child};
use std::ffi::OsStr;
use std::fmt;
use std::future::Future;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{ExitStatus, Output, Stdio};

/// A process builder: `std::process::Command`'s methods, with `spawn`
/// giving a [`Child`] whose [`wait`](Child::wait) and pipes are async
/// (tokio's `process::Command`; asyncio's `create_subprocess_exec`).
///
/// ```
/// use runtime::process::Command;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let out = Command::new("echo").arg("hello").output().await?;
/// assert!(out.status.success());
/// assert_eq!(out.stdout, b"hello\n");
///
/// // A shell command line: asyncio's create_subprocess_shell.
/// let status = Command::new("sh").arg("-c").arg("exit 3").status().await?;
/// assert_eq!(status.code(), Some(3));
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
    /// Set by [`Command::stdin`]: `output` leaves stdin alone then, and
    /// makes it null otherwise (as std's `output` does).
    stdin_set: bool,
    /// Tests: reap through SIGCHLD even where pidfd works.
    force_sigchld: bool,
}

impl Command {
    /// A command to run `program` (looked up in `PATH` if it has no `/`),
    /// with no arguments, the parent's environment and working directory,
    /// and stdio inherited.
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// Adds an argument.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    pub fn env(&mut self, key: impl AsRef<OsStr>, val: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, val);
        self
    }

    /// Sets environment variables for the child.
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable from the child's environment.
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Clears the child's environment (variables set afterwards stay).
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// Sets the child's working directory.
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// The child's stdin: [`Stdio::piped`] makes [`Child::stdin`] an async
    /// writer. Inherited by default ([`output`](Self::output): null).
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdin(cfg);
        self.stdin_set = true;
        self
    }

    /// The child's stdout: [`Stdio::piped`] makes [`Child::stdout`] an
    /// async reader. Inherited by default ([`output`](Self::output):
    /// piped).
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// The child's stderr: [`Stdio::piped`] makes [`Child::stderr`] an
    /// async reader. Inherited by default ([`output`](Self::output):
    /// piped).
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Kill the child (`SIGKILL`) when its [`Child`] is dropped before it
    /// was reaped. Off by default: a dropped `Child` keeps running, and is
    /// reaped when it exits. Either way, no zombie is left.
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// Whether [`kill_on_drop`](Self::kill_on_drop) is set.
    pub fn get_kill_on_drop(&self) -> bool {
        self.kill_on_drop
    }

    /// Sets the child's user id (`setuid` before `exec`).
    pub fn uid(&mut self, id: u32) -> &mut Command {
        self.std.uid(id);
        self
    }

    /// Sets the child's group id (`setgid` before `exec`).
    pub fn gid(&mut self, id: u32) -> &mut Command {
        self.std.gid(id);
        self
    }

    /// Puts the child in process group `pgroup` (0: a new group of its own,
    /// so a Ctrl-C in the terminal does not reach it).
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        self.std.process_group(pgroup);
        self
    }

    /// Sets the child's `argv[0]` (the program is still `program`).
    pub fn arg0(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg0(arg);
        self
    }

    /// Runs `f` in the child after `fork`, before `exec`: std's
    /// [`CommandExt::pre_exec`].
    ///
    /// # Safety
    /// As std's: `f` runs in a forked copy of a multi-threaded process, so
    /// it may only call async-signal-safe functions (no allocation, no
    /// locks).
    pub unsafe fn pre_exec<F>(&mut self, f: F) -> &mut Command
    where
        F: FnMut() -> io::Result<()> + Send + Sync + 'static,
    {
        // SAFETY: the caller upholds `pre_exec`'s contract (above).
        unsafe { self.std.pre_exec(f) };
        self
    }

    /// The std command inside.
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// The std command inside, to set what this type has no method for.
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// Starts the child on the current runtime, which will reap it.
    ///
    /// # Errors
    /// * The program could not be started: the OS's error (its
    ///   [`kind`](io::Error::kind) kept, such as `NotFound`), with the
    ///   program's name in the message.
    /// * Called outside a runtime, or on one that shut down (no process is
    ///   started then).
    pub fn spawn(&mut self) -> io::Result<Child> {
        let rt = crate::reactor::current_handle().ok_or_else(|| {
            io::Error::other(format!(
                "`Command::spawn` of {:?} called outside a runtime: {}",
                self.std.get_program(),
                crate::TryCurrentError::message()
            ))
        })?;
        if rt.is_shutdown() {
            return Err(super::shut_down_error());
        }
        reap::reap_orphans();
        let std = self.std.spawn().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("failed to spawn {:?}: {e}", self.std.get_program()),
            )
        })?;
        Child::new(std, rt, self.kill_on_drop, self.force_sigchld)
    }

    /// Runs the child to its end and returns its exit status. Stdio are
    /// inherited unless set; pipes set with `Stdio::piped` are closed at
    /// once. The child starts at the call, not when the future is first
    /// polled.
    pub fn status(&mut self) -> impl Future<Output = io::Result<ExitStatus>> + Send + 'static {
        let child = self.spawn();
        async {
            let mut child = child?;
            // Holding a pipe the child may block on would deadlock the wait.
            drop((child.stdin.take(), child.stdout.take(), child.stderr.take()));
            child.wait().await
        }
    }

    /// Runs the child to its end, collecting its stdout and stderr (set to
    /// piped; stdin to null unless [`stdin`](Self::stdin) was called): std's
    /// `output`, asyncio's `proc.communicate()`. The settings stay on the
    /// command. The child starts at the call, not when the future is first
    /// polled.
    pub fn output(&mut self) -> impl Future<Output = io::Result<Output>> + Send + 'static {
        if !self.stdin_set {
            self.std.stdin(Stdio::null());
        }
        self.std.stdout(Stdio::piped());
        self.std.stderr(Stdio::piped());
        let child = self.spawn();
        async { child?.wait_with_output().await }
    }

    /// Tests: children of this command are reaped through SIGCHLD, as on a
    /// kernel without pidfd.
    #[cfg(test)]
    pub(super) fn force_sigchld(&mut self) -> &mut Command {
        self.force_sigchld = true;
        self
    }
}

impl From<std::process::Command> for Command {
    fn from(std: std::process::Command) -> Command {
        Command {
            std,
            kill_on_drop: false,
            stdin_set: false,
            force_sigchld: false,
        }
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Command")
            .field("std", &self.std)
            .field("kill_on_drop", &self.kill_on_drop)
            .finish()
    }
}
