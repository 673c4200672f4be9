//! The slow-poll watchdog is one thread for the whole process: runtimes
//! register with it instead of each starting and joining a thread (which
//! would be most of the cost of starting a current-thread runtime).
//! Its own test binary, so no other test's runtimes are registered.

mod common;

use std::time::Duration;

/// Threads of this process named like the watchdog (`comm` keeps 15 bytes).
fn watchdog_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim_end() == "runtime-watchdo")
        .count()
}

fn with_threshold(mut b: runtime::Builder, ms: u64) -> runtime::Runtime {
    b.slow_poll_threshold(Some(Duration::from_millis(ms)))
        .build()
        .unwrap()
}

/// A task that blocks its worker for `ms`; returns the runtime's slow-poll
/// count once it has finished.
fn block_a_worker(rt: &runtime::Runtime, ms: u64) -> u64 {
    rt.block_on(rt.spawn(async move { std::thread::sleep(Duration::from_millis(ms)) }))
        .unwrap();
    rt.handle().metrics().slow_poll_count()
}

#[test]
fn one_watchdog_thread_watches_every_runtime_each_at_its_own_threshold() {
    assert_eq!(watchdog_threads(), 0, "started before any runtime asked");
    let unwatched = runtime::Builder::new_current_thread()
        .slow_poll_threshold(None)
        .build()
        .unwrap();
    assert_eq!(
        watchdog_threads(),
        0,
        "started for a runtime without reports"
    );
    // A long threshold first: the thread then sleeps a second between
    // samples, and the runtimes registered next must wake it sooner.
    let patient = with_threshold(runtime::Builder::new_current_thread(), 5_000);
    common::wait_until(|| watchdog_threads() > 0); // (it names itself once it runs)
    std::thread::sleep(Duration::from_millis(50)); // it is asleep by now
    let current = with_threshold(runtime::Builder::new_current_thread(), 50);
    let mut b = runtime::Builder::new_multi_thread();
    b.worker_threads(2);
    let multi = with_threshold(b, 50);
    assert_eq!(watchdog_threads(), 1);

    // Both short-threshold runtimes report their slow polls, at the same time.
    let (c, m) = std::thread::scope(|s| {
        let c = s.spawn(|| block_a_worker(&current, 400));
        let m = s.spawn(|| block_a_worker(&multi, 400));
        (c.join().unwrap(), m.join().unwrap())
    });
    assert_eq!((c, m), (1, 1), "each runtime's slow poll reported once");
    // Under the long threshold the same poll is not slow.
    assert_eq!(block_a_worker(&patient, 400), 0);
    assert_eq!(block_a_worker(&unwatched, 400), 0);

    // Runtimes come and go; the thread stays, alone, and keeps watching.
    drop((current, multi, patient, unwatched));
    let again = with_threshold(runtime::Builder::new_current_thread(), 50);
    assert_eq!(block_a_worker(&again, 400), 1);
    assert_eq!(watchdog_threads(), 1);
}
