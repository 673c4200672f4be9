//! `Runtime::run_forever` (ended by `Handle::stop` or Ctrl-C) and
//! `signal::ctrl_c`.
//!
//! SIGINT ends a process that has no handler for it, so this binary raises
//! it only after its handler is installed, and the Ctrl-C test of
//! `run_forever` runs in a child process: this test binary again, running
//! one ignored test (`child_runs_forever`), which the parent interrupts.
//!
//! The SIGINT tests and every `run_forever` take turns (`serial`): a SIGINT
//! raised by one test ends any `run_forever` running at that moment, as it
//! should.

mod common;

use common::{rt, serial};
use runtime::{RunForever, Runtime};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

/// Spawns a task that counts its turns, one per millisecond.
fn ticker(rt: &Runtime) -> Arc<AtomicUsize> {
    let ticks = Arc::new(AtomicUsize::new(0));
    let t = ticks.clone();
    rt.spawn(async move {
        loop {
            t.fetch_add(1, SeqCst);
            runtime::time::sleep(Duration::from_millis(1)).await;
        }
    });
    ticks
}

both_flavors!(run_forever_returns_on_stop_from_another_thread, |rt| {
    let _serial = serial();
    let ticks = ticker(&rt);
    let handle = rt.handle().clone();
    let t = ticks.clone();
    let stopper = std::thread::spawn(move || {
        // Stop only once the tasks have run for a while.
        common::wait_until(|| t.load(SeqCst) >= 3);
        handle.stop();
    });
    assert_eq!(rt.run_forever(), RunForever::Stopped);
    assert!(ticks.load(SeqCst) >= 3);
    stopper.join().unwrap();
});

both_flavors!(run_forever_returns_on_stop_from_a_task, |rt| {
    let _serial = serial();
    let handle = rt.handle().clone();
    let stopped = Arc::new(AtomicBool::new(false));
    let s = stopped.clone();
    rt.spawn(async move {
        runtime::time::sleep(Duration::from_millis(5)).await;
        s.store(true, SeqCst);
        handle.stop();
        handle.stop(); // idempotent
    });
    assert_eq!(rt.run_forever(), RunForever::Stopped);
    assert!(stopped.load(SeqCst));
});

both_flavors!(a_stop_before_run_forever_ends_the_next_one_only, |rt| {
    let _serial = serial();
    rt.handle().stop();
    rt.handle().stop();
    // Returns at once: the stop was kept.
    assert_eq!(rt.run_forever(), RunForever::Stopped);
    // The two stops counted as one: this one runs until the next stop.
    let handle = rt.handle().clone();
    let late = Arc::new(AtomicBool::new(false));
    let l = late.clone();
    rt.spawn(async move {
        runtime::time::sleep(Duration::from_millis(20)).await;
        l.store(true, SeqCst);
        handle.stop();
    });
    assert_eq!(rt.run_forever(), RunForever::Stopped);
    assert!(
        late.load(SeqCst),
        "the second run_forever used up an old stop"
    );
});

both_flavors!(tasks_survive_run_forever_and_drop_cancels_them, |rt| {
    let _serial = serial();
    let ticks = ticker(&rt);
    rt.handle().stop();
    assert_eq!(rt.run_forever(), RunForever::Stopped);
    // block_on goes on with the same tasks.
    let before = ticks.load(SeqCst);
    rt.block_on(common::eventually(|| ticks.load(SeqCst) > before));
    drop(rt);
    let after = ticks.load(SeqCst);
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(
        ticks.load(SeqCst),
        after,
        "a task ran after the runtime dropped"
    );
});

#[test]
fn ctrl_c_resolves_on_sigint() {
    let _serial = serial();
    let rt = rt::current();
    rt.block_on(async {
        let mut ctrl_c = std::pin::pin!(runtime::signal::ctrl_c());
        // The first poll installs the handler.
        assert!(futures::poll!(ctrl_c.as_mut()).is_pending());
        // SAFETY: SIGINT has a handler now.
        unsafe { libc::raise(libc::SIGINT) };
        runtime::time::timeout(Duration::from_secs(30), ctrl_c)
            .await
            .expect("ctrl_c never resolved")
            .unwrap();
    });
}

/// What the child prints when `run_forever` returned on Ctrl-C.
const CHILD_DONE: &str = "run_forever ended by Ctrl-C";

/// The child side of `run_forever_returns_on_sigint`: runs only when
/// re-executed by it (ignored otherwise, and a no-op without the variable).
#[test]
#[ignore = "run by run_forever_returns_on_sigint in a child process"]
fn child_runs_forever() {
    let Ok(flavor) = std::env::var("RUNTIME_TEST_RUN_FOREVER") else {
        return;
    };
    let rt = match flavor.as_str() {
        "current_thread" => rt::current(),
        _ => rt::multi(2),
    };
    // A task is ticking (timers armed, a worker busy now and then) when
    // Ctrl-C comes. Waited for here, not asserted after: the parent may
    // interrupt the moment the handler is in.
    let ticks = ticker(&rt);
    rt.block_on(common::eventually(|| ticks.load(SeqCst) > 0));
    let ended = rt.run_forever();
    assert_eq!(ended, RunForever::CtrlC);
    println!("{CHILD_DONE}");
}

/// Is `signum` among the signals process `pid` catches (`SigCgt` in
/// `/proc/<pid>/status`)?
fn catches(pid: u32, signum: libc::c_int) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << (signum - 1)) != 0)
}

fn run_forever_returns_on_sigint(flavor: &str) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_runs_forever",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("RUNTIME_TEST_RUN_FOREVER", flavor)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    // SIGINT only once run_forever listens for it (else it ends the child).
    common::wait_until(|| catches(pid, libc::SIGINT));
    // Then again until the child exits: the kernel reports the signal as
    // caught a moment before signal-hook-registry has published our
    // handler's action, and a SIGINT in that moment is lost (the signal
    // module's docs). Once `run_forever` has returned, a later SIGINT is
    // caught and ignored, so the extra ones do no harm.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() >= deadline {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "hung: the child did not end on SIGINT within 60 s\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // SAFETY: kill(2) on our own child, not yet reaped (try_wait above),
        // so its pid is still its own.
        assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGINT) }, 0);
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // libtest prints the test's name on the same line.
    assert!(stdout.contains(CHILD_DONE), "{stdout}");
    assert!(stdout.contains("1 passed"), "{stdout}");
}

#[test]
fn run_forever_returns_on_sigint_current_thread() {
    run_forever_returns_on_sigint("current_thread");
}

#[test]
fn run_forever_returns_on_sigint_multi_thread() {
    run_forever_returns_on_sigint("multi_thread");
}
