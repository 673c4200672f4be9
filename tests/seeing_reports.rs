//! The runtime's reports reach a user who never installed a `tracing`
//! subscriber: printed to stderr, one line each.
//!
//! Each scenario runs in a child process (this test binary again, running
//! only `child` with `RUNTIME_REPORTS_CHILD` naming the scenario), because
//! a `tracing` subscriber, once installed in a process, stays; the parent
//! reads the child's stderr.

mod common;
use common::rt;

use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

const SCENARIO: &str = "RUNTIME_REPORTS_CHILD";

/// Runs `scenario` in a child process and returns its stderr.
fn stderr_of(scenario: &str) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .env(SCENARIO, scenario)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "scenario {scenario} failed: {}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

/// The lines the runtime printed.
fn report_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("runtime "))
        .collect()
}

#[test]
fn child() {
    let Ok(scenario) = std::env::var(SCENARIO) else {
        return; // not a child: nothing to do
    };
    match scenario.as_str() {
        "task_generator" => task_generator(),
        "slow_poll_then_exit" => slow_poll_then_exit(),
        "dropped_during_a_slow_poll" => dropped_during_a_slow_poll(),
        "lost_panic" => lost_panic(),
        "rescued_stall" => rescued_stall(),
        "with_a_subscriber" => {
            tracing::subscriber::set_global_default(common::Silent(true)).unwrap();
            task_generator();
            slow_poll_then_exit();
            lost_panic();
        }
        other => panic!("unknown scenario {other}"),
    }
}

/// A task generator: five tasks spawned, then `main` returns with them
/// still pending.
fn task_generator() {
    let rt = runtime::Runtime::new().unwrap();
    rt.block_on(async {
        for i in 0..5 {
            runtime::task::Builder::new()
                .name(&format!("generated-{i}"))
                .spawn(runtime::time::sleep(Duration::from_secs(1)))
                .unwrap();
        }
    });
}

/// `time.sleep()` inside a task, and the program ends right after it.
fn slow_poll_then_exit() {
    let rt = rt::current();
    rt.block_on(async {
        runtime::task::Builder::new()
            .name("sleepy")
            .spawn(async { std::thread::sleep(Duration::from_millis(800)) })
            .unwrap()
            .await
            .unwrap();
    });
}

/// The runtime is dropped while a worker is inside a slow poll.
fn dropped_during_a_slow_poll() {
    let rt = rt::multi(1);
    let (started, wait) = mpsc::channel();
    rt.block_on(async {
        runtime::task::Builder::new()
            .name("stuck-at-exit")
            .spawn(async move {
                started.send(()).unwrap();
                std::thread::sleep(Duration::from_millis(800));
            })
            .unwrap();
    });
    wait.recv().unwrap();
    drop(rt); // waits for the worker to finish that poll
}

/// A task blocks its worker after waking another: the runtime rescues the
/// woken one, and the poll is slow.
fn rescued_stall() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        runtime::task::Builder::new()
            .name("blocker")
            .spawn(async {
                let (tx, rx) = mpsc::channel();
                runtime::spawn(async move { tx.send(()).unwrap() });
                rx.recv_timeout(Duration::from_secs(30)).unwrap();
                std::thread::sleep(Duration::from_millis(300));
            })
            .unwrap()
            .await
            .unwrap();
    });
}

/// A detached task panics.
fn lost_panic() {
    let rt = rt::current();
    rt.block_on(async {
        let h = runtime::task::Builder::new()
            .name("doomed")
            .spawn(async { panic!("nobody saw this") })
            .unwrap();
        drop(h);
        while runtime::Handle::current()
            .metrics()
            .unretrieved_panic_count()
            == 0
        {
            runtime::task::yield_now().await;
        }
    });
}

#[test]
fn tasks_pending_at_the_end_of_main_are_reported_on_stderr() {
    let stderr = stderr_of("task_generator");
    let lines = report_lines(&stderr);
    assert_eq!(lines.len(), 1, "{stderr}");
    let line = lines[0];
    assert!(
        line.starts_with("runtime WARN: runtime dropped with 5 pending tasks, cancelled now: "),
        "{line}"
    );
    for i in 0..5 {
        assert!(
            line.contains(&format!(
                "\"generated-{i}\" (spawned at tests/seeing_reports.rs:"
            )),
            "{line}"
        );
    }
    assert!(
        line.contains("Task was destroyed but it is pending!"),
        "{line}"
    );
}

#[test]
fn a_slow_poll_just_before_exit_is_reported_on_stderr() {
    let stderr = stderr_of("slow_poll_then_exit");
    let lines = report_lines(&stderr);
    assert_eq!(lines.len(), 2, "{stderr}");
    let line = lines[0];
    assert!(line.starts_with("runtime WARN: Task#"), "{line}");
    assert!(
        line.contains("\"sleepy\" (spawned at tests/seeing_reports.rs:"),
        "{line}"
    );
    assert!(line.contains("has been inside one poll for"), "{line}");
    assert!(line.contains("runtime::spawn_blocking"), "{line}");
    // asyncio's "Executing <Task> took 0.8 seconds", when the poll ends.
    let ended = lines[1];
    assert!(ended.starts_with("runtime WARN: Task#"), "{ended}");
    assert!(ended.contains("slow poll ended: it took"), "{ended}");
    assert!(ended.contains("current-thread"), "{ended}");
}

#[test]
fn the_end_of_a_rescued_slow_poll_says_what_the_runtime_did() {
    let stderr = stderr_of("rescued_stall");
    let lines = report_lines(&stderr);
    let ended: Vec<_> = lines
        .iter()
        .filter(|l| l.contains("slow poll ended"))
        .collect();
    assert_eq!(ended.len(), 1, "{stderr}");
    let line = ended[0];
    assert!(line.contains("it took"), "{line}");
    // The blocker woke a task into its LIFO slot, then blocked: the runtime
    // handed it to the other worker (or a rescue thread).
    assert!(
        line.contains("woke worker") || line.contains("started rescue thread"),
        "{line}"
    );
}

#[test]
fn a_slow_poll_still_running_at_shutdown_is_reported_on_stderr() {
    let stderr = stderr_of("dropped_during_a_slow_poll");
    let lines = report_lines(&stderr);
    let slow: Vec<_> = lines
        .iter()
        .filter(|l| l.contains("\"stuck-at-exit\"") && l.contains("inside one poll"))
        .collect();
    assert_eq!(slow.len(), 1, "{stderr}");
}

#[test]
fn an_unretrieved_panic_is_reported_on_stderr() {
    let stderr = stderr_of("lost_panic");
    let lines = report_lines(&stderr);
    let errors: Vec<_> = lines
        .iter()
        .filter(|l| l.starts_with("runtime ERROR: "))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    let line = errors[0];
    assert!(
        line.contains("\"doomed\" (spawned at tests/seeing_reports.rs:"),
        "{line}"
    );
    assert!(
        line.contains("panicked with message \"nobody saw this\""),
        "{line}"
    );
    assert!(
        line.contains("Task exception was never retrieved"),
        "{line}"
    );
}

#[test]
fn with_a_subscriber_installed_nothing_is_printed() {
    let stderr = stderr_of("with_a_subscriber");
    assert_eq!(report_lines(&stderr), Vec::<&str>::new(), "{stderr}");
}
