//! Child processes: [`Command`] (std's builder) spawns a [`Child`] whose
//! `wait`, `output` and piped stdio are async — tokio's `process` module,
//! asyncio's `create_subprocess_exec`.
//!
//! | asyncio | runtime |
//! | --- | --- |
//! | `await create_subprocess_exec("ls", "-l", stdout=PIPE)` | `Command::new("ls").arg("-l").stdout(Stdio::piped()).spawn()?` |
//! | `await create_subprocess_shell("ls | wc -l")` | `Command::new("sh").arg("-c").arg("ls \| wc -l")` |
//! | `await proc.wait()`, `proc.returncode` | [`child.wait().await`](Child::wait), [`try_wait`](Child::try_wait) |
//! | `await proc.communicate()` | [`child.wait_with_output().await`](Child::wait_with_output), [`Command::output`] |
//! | `proc.stdin.write(..)`, `await proc.stdout.readline()` | [`ChildStdin`], [`ChildStdout`] with [`AsyncWriteExt`](crate::io::AsyncWriteExt), [`AsyncBufReadExt`](crate::io::AsyncBufReadExt) |
//! | `proc.kill()`, `proc.pid` | [`start_kill`](Child::start_kill) / [`kill().await`](Child::kill), [`id`](Child::id) |
//!
//! ```
//! use runtime::io::{AsyncReadExt, AsyncWriteExt};
//! use runtime::process::Command;
//! use std::process::Stdio;
//!
//! # let rt = runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! let mut child = Command::new("tr")
//!     .arg("a-z")
//!     .arg("A-Z")
//!     .stdin(Stdio::piped())
//!     .stdout(Stdio::piped())
//!     .spawn()?;
//! let mut stdin = child.stdin.take().unwrap();
//! stdin.write_all(b"shout").await?;
//! drop(stdin); // end of input
//! let mut upper = String::new();
//! child.stdout.take().unwrap().read_to_string(&mut upper).await?;
//! assert_eq!(upper, "SHOUT");
//! assert!(child.wait().await?.success());
//! # Ok::<(), std::io::Error>(())
//! # }).unwrap();
//! ```
//!
//! # Reaping
//!
//! The runtime waits for a child without blocking a thread: through a
//! pidfd registered with its reactor (Linux 5.3 and later), or else through
//! `SIGCHLD` (see [`signal`](crate::signal)). A [`Child`] dropped before its
//! process was reaped — say its task was cancelled — hands the process to a
//! process-wide orphan queue, swept right away, after every `SIGCHLD` a
//! running runtime dispatches, and before every spawn: no zombie outlives
//! its `Child` for longer than it takes the runtime to notice the exit.
//! Dropping a `Child` does not end the process unless
//! [`kill_on_drop(true)`](Command::kill_on_drop) was set.
//!
//! A child belongs to the runtime it was spawned on: after that runtime
//! shut down, `wait` and its pipes return an error (never hang), and
//! `spawn` outside a runtime is an error too.

mod child;
mod command;
pub(crate) mod driver;
pub(crate) mod reap;
mod stdio;

#[cfg(test)]
mod tests;

pub use child::Child;
pub use command::Command;
pub use stdio::{ChildStderr, ChildStdin, ChildStdout};

/// What waiting on a child of a runtime that shut down returns.
fn shut_down_error() -> std::io::Error {
    std::io::Error::other(
        "the runtime this child process was spawned on has shut down: spawn and wait for it \
         on a running runtime",
    )
}
