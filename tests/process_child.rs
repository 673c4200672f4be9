//! Child processes: spawning, waiting, piped stdio through both io trait
//! families, killing, and the faults: a missing program, a child that
//! closes its stdout early or dies of a signal, `wait` racing `kill`, and a
//! runtime that shut down.

mod common;

use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::process::Command;
use std::io::ErrorKind;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::Duration;

/// Is process `pid` gone, or a zombie? (`/proc/<pid>/stat`'s state.)
fn exited(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// Is process `pid` gone altogether (reaped)?
fn reaped(pid: u32) -> bool {
    !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Waits (generously) on the runtime until `cond` holds, sleeping between
/// looks so the driver turns.
async fn eventually(mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(std::time::Instant::now() < deadline, "never happened");
        runtime::time::sleep(Duration::from_millis(5)).await;
    }
}

both_flavors!(output_collects_stdout_stderr_and_status, |rt| {
    rt.block_on(async {
        let out = Command::new("sh")
            .arg("-c")
            .arg("echo out; echo err >&2; exit 3")
            .output()
            .await
            .unwrap();
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
        assert_eq!(out.status.code(), Some(3));
        // stdin is null for `output`: `cat` ends at once.
        let out = Command::new("cat").output().await.unwrap();
        assert!(out.status.success());
        assert!(out.stdout.is_empty());
    });
});

both_flavors!(env_and_current_dir_reach_the_child, |rt| {
    rt.block_on(async {
        let dir = std::env::temp_dir();
        let out = Command::new("sh")
            .arg("-c")
            .arg("echo \"$GREETING|$GONE|$(pwd)\"")
            .env("GREETING", "hello")
            .env("GONE", "here")
            .env_remove("GONE")
            .current_dir(&dir)
            .output()
            .await
            .unwrap();
        let dir = dir.canonicalize().unwrap();
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            format!("hello||{}\n", dir.display())
        );
        let out = Command::new("/usr/bin/env")
            .env_clear()
            .envs([("ONLY", "one")])
            .output()
            .await
            .unwrap();
        assert_eq!(out.stdout, b"ONLY=one\n");
    });
});

both_flavors!(piped_cat_echoes_8_mib, |rt| {
    rt.block_on(async {
        let mut cat = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let data: Vec<u8> = (0..8 << 20).map(|i: u32| (i % 251) as u8).collect();
        let mut stdin = cat.stdin.take().unwrap();
        let sent = data.clone();
        // Written and read at once: either alone fills the pipes and stalls.
        let writer = runtime::spawn(async move {
            stdin.write_all(&sent).await.unwrap();
            // Dropping stdin ends cat's input.
        });
        let mut echoed = Vec::new();
        cat.stdout
            .take()
            .unwrap()
            .read_to_end(&mut echoed)
            .await
            .unwrap();
        writer.await.unwrap();
        assert!(echoed == data, "echo differs ({} bytes)", echoed.len());
        assert!(cat.wait().await.unwrap().success());
    });
});

/// Only futures-io's extension traits in scope here.
mod futures_io {
    use futures::io::{AsyncReadExt, AsyncWriteExt};
    use runtime::process::Command;
    use std::process::Stdio;

    pub async fn tr_uppercases() {
        let mut child = Command::new("tr")
            .args(["a-z", "A-Z"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"quiet").await.unwrap();
        stdin.close().await.unwrap();
        drop(stdin);
        let mut out = String::new();
        let mut stdout = child.stdout.take().unwrap();
        stdout.read_to_string(&mut out).await.unwrap();
        assert_eq!(out, "QUIET");
        let mut err = Vec::new();
        let mut stderr = child.stderr.take().unwrap();
        stderr.read_to_end(&mut err).await.unwrap();
        assert!(err.is_empty());
        assert!(child.wait().await.unwrap().success());
    }
}

both_flavors!(pipes_implement_futures_io_too, |rt| {
    rt.block_on(futures_io::tr_uppercases());
});

both_flavors!(wait_with_output_reads_both_pipes_while_waiting, |rt| {
    rt.block_on(async {
        // More than a pipe holds on both streams: reading one after the
        // other would deadlock.
        let child = Command::new("sh")
            .arg("-c")
            .arg("head -c 300000 /dev/zero; head -c 300000 /dev/zero >&2")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.wait_with_output().await.unwrap();
        assert!(out.status.success());
        assert_eq!((out.stdout.len(), out.stderr.len()), (300_000, 300_000));
    });
});

both_flavors!(a_missing_program_is_the_os_error_naming_it, |rt| {
    rt.block_on(async {
        let err = Command::new("does-not-exist").spawn().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
        assert!(err.to_string().contains("does-not-exist"), "{err}");
        let err = Command::new("does-not-exist").output().await.unwrap_err();
        assert!(err.to_string().contains("does-not-exist"), "{err}");
    });
});

both_flavors!(a_child_killed_by_a_signal_says_so, |rt| {
    rt.block_on(async {
        let status = Command::new("sh")
            .arg("-c")
            .arg("kill -TERM $$")
            .status()
            .await
            .unwrap();
        assert_eq!(status.signal(), Some(libc::SIGTERM));
        assert_eq!(status.code(), None);
        assert!(!status.success());

        let mut sleeper = Command::new("sleep").arg("1000").spawn().unwrap();
        let pid = sleeper.id().unwrap();
        sleeper.kill().await.unwrap();
        let status = sleeper.wait().await.unwrap();
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        assert_eq!(sleeper.id(), None, "the pid is no longer ours");
        assert!(reaped(pid));
        // Killing a reaped child does nothing.
        sleeper.start_kill().unwrap();
        sleeper.kill().await.unwrap();
    });
});

both_flavors!(a_child_that_closes_stdout_early, |rt| {
    rt.block_on(async {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("echo first; exec >&-; sleep 0.2; exit 4")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = String::new();
        // End of file while the child still runs.
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .await
            .unwrap();
        assert_eq!(out, "first\n");
        assert_eq!(child.wait().await.unwrap().code(), Some(4));
    });
});

both_flavors!(writing_to_a_child_that_does_not_read_is_broken_pipe, |rt| {
    rt.block_on(async {
        let mut child = Command::new("true").stdin(Stdio::piped()).spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        assert!(child.wait().await.unwrap().success());
        let err = stdin.write_all(&vec![7; 1 << 20]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe, "{err}");
    });
});

both_flavors!(wait_racing_kill_gives_one_status, |rt| {
    rt.block_on(async {
        for i in 0..40 {
            let mut child = Command::new("true").spawn().unwrap();
            // Kill at different points of the child's short life.
            for _ in 0..i % 5 {
                runtime::task::yield_now().await;
            }
            if i % 3 == 0 {
                std::thread::sleep(Duration::from_micros(200 * (i % 7)));
            }
            child.kill().await.unwrap();
            let status = child.wait().await.unwrap();
            assert!(
                status.success() || status.signal() == Some(libc::SIGKILL),
                "{status:?}"
            );
        }
        // `try_wait` and `wait` agree, whichever reaps.
        let mut child = Command::new("true").spawn().unwrap();
        eventually(|| exited(child.id().unwrap())).await;
        let first = child.try_wait().unwrap().unwrap();
        assert_eq!(child.wait().await.unwrap(), first);
    });
});

both_flavors!(kill_on_drop_kills_and_reaps, |rt| {
    rt.block_on(async {
        let child = Command::new("sleep")
            .arg("1000")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let pid = child.id().unwrap();
        drop(child);
        eventually(|| reaped(pid)).await;
    });
});

both_flavors!(a_dropped_child_keeps_running_and_is_reaped_later, |rt| {
    rt.block_on(async {
        let mut cmd = Command::new("sleep");
        cmd.arg("1000");
        assert!(!cmd.get_kill_on_drop());
        let child = cmd.spawn().unwrap();
        let pid = child.id().unwrap();
        drop(child);
        runtime::time::sleep(Duration::from_millis(50)).await;
        assert!(!exited(pid), "dropping the Child ended the process");
        // SAFETY: kill(2) on our own child.
        assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) }, 0);
        eventually(|| reaped(pid)).await;
    });
});

both_flavors!(a_cancelled_wait_loses_nothing, |rt| {
    rt.block_on(async {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("sleep 0.1; exit 5")
            .spawn()
            .unwrap();
        let early = runtime::time::timeout(Duration::from_millis(1), child.wait()).await;
        assert!(early.is_err());
        assert_eq!(child.wait().await.unwrap().code(), Some(5));
    });
});

#[test]
fn spawn_outside_a_runtime_is_an_error() {
    let err = Command::new("true").spawn().unwrap_err();
    assert!(err.to_string().contains("outside a runtime"), "{err}");
}

both_flavors!(
    a_child_of_a_shut_down_runtime_errors_instead_of_hanging,
    |rt| {
        let handle = rt.handle().clone();
        let mut child = rt.block_on(async {
            Command::new("sleep")
                .arg("1000")
                .stdout(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .unwrap()
        });
        drop(rt);
        let mut stdout = child.stdout.take().unwrap();
        let (child, stdout) = common::within(30, move || {
            let err = futures::executor::block_on(child.wait()).unwrap_err();
            assert!(err.to_string().contains("shut down"), "{err}");
            let mut buf = [0; 8];
            let err = futures::executor::block_on(stdout.read(&mut buf)).unwrap_err();
            assert!(err.to_string().contains("shut down"), "{err}");
            (child, stdout)
        });
        drop(stdout);
        let mut child = child;
        assert_eq!(child.try_wait().unwrap(), None, "try_wait still works");
        // No new child on the dead runtime.
        let _enter = handle.enter();
        let err = Command::new("true").spawn().unwrap_err();
        assert!(err.to_string().contains("shut down"), "{err}");
    }
);

both_flavors!(child_and_command_debug, |rt| {
    rt.block_on(async {
        let mut cmd = Command::new("true");
        assert!(format!("{cmd:?}").contains("true"));
        assert_eq!(cmd.as_std().get_program(), "true");
        cmd.as_std_mut().arg("ignored");
        let mut child = cmd.spawn().unwrap();
        assert!(format!("{child:?}").contains("pid"));
        child.wait().await.unwrap();
        assert!(format!("{child:?}").contains("status"));
    });
});
