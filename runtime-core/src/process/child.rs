//! [`Child`]: a running child process, waited for on the reactor.

use super::reap::{self, Reaper};
use super::{ChildStderr, ChildStdin, ChildStdout};
use crate::io::AsyncReadExt;
use crate::task::waits::{self, WaitOn};
use std::fmt;
use std::io;
use std::process::{ExitStatus, Output};

/// A child process spawned by [`Command::spawn`](super::Command::spawn):
/// tokio's `process::Child` (asyncio's `Process`).
///
/// Its piped stdio are the public fields, to take and use from any task.
///
/// Dropping a `Child` does not end the process (unless
/// [`kill_on_drop`](super::Command::kill_on_drop) was set); the runtime
/// still reaps it once it exits, so it leaves no zombie (see the
/// [module docs](super#reaping)).
pub struct Child {
    child: State,
    /// The child's stdin, if it was [piped](std::process::Stdio::piped).
    /// [`wait`](Self::wait) drops it first, so a child reading its stdin to
    /// the end can finish.
    pub stdin: Option<ChildStdin>,
    /// The child's stdout, if it was [piped](std::process::Stdio::piped).
    pub stdout: Option<ChildStdout>,
    /// The child's stderr, if it was [piped](std::process::Stdio::piped).
    pub stderr: Option<ChildStderr>,
}

enum State {
    Running(Running),
    /// Reaped: its exit status. The pid may belong to another process now.
    Done(ExitStatus),
}

struct Running {
    std: std::process::Child,
    reaper: Reaper,
    kill_on_drop: bool,
}

impl Child {
    /// Takes over a just-spawned std child: its pipes and a reaper,
    /// registered with the current runtime (`rt`). On error the process is
    /// killed (nobody could wait for it) and left to the orphan queue.
    pub(super) fn new(
        mut std: std::process::Child,
        rt: crate::loom::Arc<crate::reactor::Handle>,
        kill_on_drop: bool,
        force_sigchld: bool,
    ) -> io::Result<Child> {
        let parts = (|| {
            let stdin = std.stdin.take().map(ChildStdin::from_std).transpose()?;
            let stdout = std.stdout.take().map(ChildStdout::from_std).transpose()?;
            let stderr = std.stderr.take().map(ChildStderr::from_std).transpose()?;
            let reaper = Reaper::new(std.id(), rt, force_sigchld)?;
            Ok((stdin, stdout, stderr, reaper))
        })();
        match parts {
            Ok((stdin, stdout, stderr, reaper)) => Ok(Child {
                child: State::Running(Running {
                    std,
                    reaper,
                    kill_on_drop,
                }),
                stdin,
                stdout,
                stderr,
            }),
            Err(e) => {
                let _ = std.kill();
                reap::orphan(std);
                Err(e)
            }
        }
    }

    /// The OS's process id, while the child has not been reaped (`None`
    /// after `wait` or `try_wait` saw it exit: the id may be reused).
    pub fn id(&self) -> Option<u32> {
        match &self.child {
            State::Running(r) => Some(r.std.id()),
            State::Done(_) => None,
        }
    }

    /// Waits for the child to exit and returns its status, without blocking
    /// a thread. Drops [`stdin`](Self::stdin) first. Once it has returned,
    /// it returns the same status again at once.
    ///
    /// Cancel safe: dropping the future leaves the child as it was.
    ///
    /// # Errors
    /// If the runtime the child was spawned on has shut down (the child is
    /// still there: [`try_wait`](Self::try_wait) works), or `waitpid`
    /// failed.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        match &mut self.child {
            State::Done(status) => Ok(*status),
            State::Running(r) => {
                let child = WaitOn::Child(r.std.id());
                let status = waits::waiting_on(child, r.reaper.wait(&mut r.std)).await?;
                self.child = State::Done(status);
                Ok(status)
            }
        }
    }

    /// The exit status if the child has exited (reaping it), `None` if it
    /// is still running. Never blocks.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        match &mut self.child {
            State::Done(status) => Ok(Some(*status)),
            State::Running(r) => {
                let status = r.std.try_wait()?;
                if let Some(status) = status {
                    self.child = State::Done(status);
                }
                Ok(status)
            }
        }
    }

    /// Sends `SIGKILL` to the child, without waiting for it to die
    /// (follow with [`wait`](Self::wait), or use [`kill`](Self::kill)).
    /// Does nothing if the child was already reaped; a child that exited
    /// but was not reaped yet is not disturbed by it either.
    pub fn start_kill(&mut self) -> io::Result<()> {
        match &mut self.child {
            State::Running(r) => r.std.kill(),
            State::Done(_) => Ok(()),
        }
    }

    /// Kills the child (`SIGKILL`) and waits for it: [`start_kill`](Self::start_kill)
    /// then [`wait`](Self::wait). The status the child ends with is
    /// [`wait`](Self::wait)'s to tell: killed, or exited by itself just
    /// before.
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await.map(drop)
    }

    /// Waits for the child to exit while reading all of its piped stdout
    /// and stderr (concurrently, so a child filling one pipe cannot stall
    /// on it), and returns all three. Unpiped streams come back empty.
    /// Drops [`stdin`](Self::stdin) first.
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        drop(self.stdin.take());
        let (stdout, stderr) = (self.stdout.take(), self.stderr.take());
        let (status, stdout, stderr) =
            tokio::try_join!(self.wait(), read_all(stdout), read_all(stderr))?;
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }
}

async fn read_all<R: crate::io::AsyncRead + Unpin>(pipe: Option<R>) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    if let Some(mut pipe) = pipe {
        pipe.read_to_end(&mut buf).await?;
    }
    Ok(buf)
}

impl Drop for Child {
    fn drop(&mut self) {
        if let State::Running(Running {
            mut std,
            reaper,
            kill_on_drop,
        }) = std::mem::replace(&mut self.child, State::Done(ExitStatus::default()))
        {
            if kill_on_drop {
                let _ = std.kill();
            }
            drop(reaper);
            reap::orphan(std);
        }
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Child");
        match &self.child {
            State::Running(r) => d
                .field("pid", &r.std.id())
                .field("reaper", &r.reaper.name())
                .field("kill_on_drop", &r.kill_on_drop),
            State::Done(status) => d.field("status", status),
        };
        d.field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish()
    }
}
