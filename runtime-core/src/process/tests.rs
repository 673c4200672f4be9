//! The SIGCHLD path, which a kernel with pidfd never takes by itself.

use super::{reap, Command};
use crate::io::AsyncReadExt;
use std::process::Stdio;

#[test]
fn sigchld_reaper_waits_reads_and_kills() {
    let rt = crate::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("echo out; exit 7")
            .stdout(Stdio::piped())
            .force_sigchld()
            .spawn()
            .unwrap();
        assert!(format!("{child:?}").contains("SIGCHLD"), "{child:?}");
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .await
            .unwrap();
        assert_eq!(out, "out\n");
        assert_eq!(child.wait().await.unwrap().code(), Some(7));

        let mut sleeper = Command::new("sleep")
            .arg("1000")
            .force_sigchld()
            .spawn()
            .unwrap();
        sleeper.kill().await.unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(sleeper.wait().await.unwrap().signal(), Some(libc::SIGKILL));
    });
}

#[test]
fn orphans_are_reaped_on_sigchld() {
    let rt = crate::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        for _ in 0..10 {
            let child = Command::new("sh")
                .arg("-c")
                .arg("sleep 0.05")
                .spawn()
                .unwrap();
            drop(child);
        }
        // Nothing spawns any more: only SIGCHLD dispatch can sweep the queue.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while reap::num_orphans() > 0 {
            assert!(std::time::Instant::now() < deadline, "orphans never reaped");
            crate::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    });
}
