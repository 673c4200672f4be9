//! No zombie outlives its `Child`: 200 short children, half of them dropped
//! unawaited, and afterwards no zombie among this process's children.
//!
//! Its own test binary: it counts every zombie child of the process, which
//! other tests' children (exited, not yet waited for) would disturb. The two
//! flavors take turns.

mod common;

use runtime::process::Command;
use std::sync::Mutex;
use std::time::Duration;

static SERIAL: Mutex<()> = Mutex::new(());

/// Zombies among this process's children, from `/proc/<pid>/stat`
/// (`pid (comm) state ppid ...`; `comm` may hold spaces and parentheses).
fn zombie_children() -> Vec<u32> {
    let me = std::process::id();
    let mut zombies = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue; // gone meanwhile
        };
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next();
        let ppid = fields.next().and_then(|p| p.parse::<u32>().ok());
        if state == Some("Z") && ppid == Some(me) {
            zombies.push(pid);
        }
    }
    zombies
}

both_flavors!(two_hundred_children_leave_no_zombie, |rt| {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    rt.block_on(async {
        let mut kept = Vec::new();
        for i in 0..200 {
            let child = Command::new("true").spawn().unwrap();
            if i % 2 == 0 {
                kept.push(child);
            } else {
                drop(child); // unawaited
            }
        }
        for mut child in kept {
            assert!(child.wait().await.unwrap().success());
        }
        // The dropped ones are reaped as their SIGCHLDs are dispatched.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let zombies = zombie_children();
            if zombies.is_empty() {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "zombies left: {zombies:?}"
            );
            runtime::time::sleep(Duration::from_millis(10)).await;
        }
    });
});
