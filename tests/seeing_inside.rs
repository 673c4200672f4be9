//! all_tasks, slow-poll reports, unretrieved panics, metrics.
//!
//! The reports go through `tracing` from runtime threads, so this binary
//! installs one global capturing subscriber; each test looks only at events
//! about its own (uniquely named) tasks.
mod common;
use common::*;
use runtime::task::{self, TaskState};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

#[derive(Debug, Clone)]
struct Event {
    level: tracing::Level,
    fields: String,
}

fn events() -> &'static Mutex<Vec<Event>> {
    static EVENTS: OnceLock<Mutex<Vec<Event>>> = OnceLock::new();
    EVENTS.get_or_init(|| {
        struct Capture;
        struct Visitor(String);
        impl tracing::field::Visit for Visitor {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                self.0.push_str(&format!("{}={:?} ", f.name(), v));
            }
            fn record_str(&mut self, f: &tracing::field::Field, v: &str) {
                self.0.push_str(&format!("{}={} ", f.name(), v));
            }
        }
        impl tracing::Subscriber for Capture {
            fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
                true
            }
            fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
                tracing::span::Id::from_u64(1)
            }
            fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
            fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
            fn event(&self, e: &tracing::Event<'_>) {
                let mut v = Visitor(String::new());
                e.record(&mut v);
                events().lock().unwrap().push(Event {
                    level: *e.metadata().level(),
                    fields: v.0,
                });
            }
            fn enter(&self, _: &tracing::span::Id) {}
            fn exit(&self, _: &tracing::span::Id) {}
        }
        tracing::subscriber::set_global_default(Capture).unwrap();
        Mutex::new(Vec::new())
    })
}

fn events_about(name: &str) -> Vec<Event> {
    events()
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.fields.contains(&format!("task.name={name} ")))
        .cloned()
        .collect()
}

both_flavors!(named_pending_tasks_are_listed_until_joined, |rt| {
    rt.block_on(async {
        let handles: Vec<_> = (0..5)
            .map(|i| {
                task::Builder::new()
                    .name(&format!("fetch-{i}"))
                    .spawn(std::future::pending::<()>())
                    .unwrap()
            })
            .collect();
        // Let each be polled once and go idle.
        eventually(|| task::all_tasks().iter().all(|t| t.polls() >= 1)).await;
        let tasks = task::all_tasks();
        assert_eq!(tasks.len(), 5, "{tasks:?}");
        for (i, t) in tasks.iter().enumerate() {
            assert_eq!(t.name(), Some(format!("fetch-{i}").as_str()));
            assert_eq!(t.state(), TaskState::Idle);
            assert!(t.spawned_at().file().ends_with("seeing_inside.rs"), "{t}");
            assert_eq!(t.polls(), 1);
            let shown = t.to_string();
            assert!(
                shown.starts_with(&format!("Task#{} \"fetch-{i}\" idle, spawned at ", t.id())),
                "{shown}"
            );
            // `pending()` is not the runtime's: the dump says so.
            assert!(
                shown.contains(", 1 poll, waiting on something the runtime does not own"),
                "{shown}"
            );
        }
        let dump = runtime::Handle::current().dump().to_string();
        assert!(dump.starts_with("5 live tasks:\n"), "{dump}");
        for h in handles {
            h.abort();
            assert!(h.await.unwrap_err().is_cancelled());
        }
        assert!(task::all_tasks().is_empty());
    });
});

/// The number after `key=` in a captured event.
fn field_u64(e: &Event, key: &str) -> u64 {
    let rest = e.fields.split(&format!("{key}=")).nth(1);
    let value = rest.and_then(|r| r.split(' ').next());
    value
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {e:?}"))
}

#[test]
fn a_blocking_sleep_inside_a_task_is_reported_while_it_runs() {
    events();
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .slow_poll_threshold(Some(Duration::from_millis(50)))
        .build()
        .unwrap();
    let h = task::Builder::new().name("sleepy-1s").spawn_on(
        async {
            std::thread::sleep(Duration::from_secs(1)); // the bug
        },
        rt.handle(),
    );
    let id = h.id();
    rt.block_on(h).unwrap();
    // Reported and counted during the poll: in place when the task ends.
    let m = rt.handle().metrics();
    assert_eq!(m.slow_poll_count(), 1);
    let reports = events_about("sleepy-1s");
    assert_eq!(reports.len(), 1, "{reports:?}");
    let r = &reports[0];
    assert_eq!(r.level, tracing::Level::WARN);
    assert!(r.fields.contains("seeing_inside.rs"), "{r:?}");
    assert!(
        r.fields.contains("spawn_blocking"),
        "the report says how to fix it: {r:?}"
    );
    let running = field_u64(r, "running_ms");
    assert!((50..1000).contains(&running), "{r:?}");
    // When the watchdog sees the poll end, a second WARN has its duration
    // (asyncio's "Executing <Task> took 1.0 seconds").
    let ended = || {
        let events = events().lock().unwrap();
        let about = format!("task.id={id} ");
        let found = events.iter().find(|e| {
            e.level == tracing::Level::WARN
                && e.fields.contains(&about)
                && e.fields.contains("took_ms=")
        });
        found.cloned()
    };
    wait_until(|| ended().is_some());
    let took = field_u64(&ended().unwrap(), "took_ms");
    assert!((900..5000).contains(&took), "{took} ms for a 1 s poll");
    std::thread::sleep(Duration::from_millis(100)); // no second report trickles in
    assert_eq!(events_about("sleepy-1s").len(), 1);
    assert_eq!(m.slow_poll_count(), 1);
}

#[test]
fn fast_polls_are_not_reported_and_reports_can_be_turned_off() {
    events();
    let rt = rt::current();
    rt.block_on(task::Builder::new().name("quick-one").spawn_on(
        async { std::thread::sleep(Duration::from_millis(5)) },
        rt.handle(),
    ))
    .unwrap();
    let off = runtime::Builder::new_current_thread()
        .slow_poll_threshold(None)
        .build()
        .unwrap();
    off.block_on(task::Builder::new().name("sleepy-unwatched").spawn_on(
        async { std::thread::sleep(Duration::from_millis(300)) },
        off.handle(),
    ))
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(events_about("quick-one").is_empty());
    assert!(events_about("sleepy-unwatched").is_empty());
    assert_eq!(rt.handle().metrics().slow_poll_count(), 0);
    assert_eq!(off.handle().metrics().slow_poll_count(), 0);
}

#[test]
fn time_after_a_poll_is_not_charged_to_the_task() {
    events();
    // Workers publish the polled task without clearing it after each poll;
    // what comes after (a worker parking, a current-thread `block_on` going
    // back to its own future) must not count as part of the last poll.
    for (flavor, mut builder) in [
        ("current", runtime::Builder::new_current_thread()),
        ("multi", runtime::Builder::new_multi_thread()),
    ] {
        if flavor == "multi" {
            // One worker, so the next task runs where the first one did.
            builder.worker_threads(1);
        }
        let rt = builder
            .slow_poll_threshold(Some(Duration::from_millis(50)))
            .build()
            .unwrap();
        let name = format!("brief-{flavor}");
        rt.block_on(async {
            task::Builder::new()
                .name(&name)
                .spawn(async {})
                .unwrap()
                .await
                .unwrap();
            // Not a task: the `block_on` future itself is not watched.
            std::thread::sleep(Duration::from_millis(300));
            // A report goes out when the watchdog sees the next poll begin.
            runtime::spawn(async {}).await.unwrap();
        });
        std::thread::sleep(Duration::from_millis(100));
        assert!(events_about(&name).is_empty(), "{flavor}");
        assert_eq!(rt.handle().metrics().slow_poll_count(), 0, "{flavor}");
    }
}

both_flavors!(a_detached_panicking_task_is_reported_at_error, |rt| {
    events();
    let name = format!("doomed-{}", rt.handle().metrics().num_workers());
    rt.block_on(async {
        drop(
            task::Builder::new()
                .name(&name)
                .spawn(async { panic!("lost panic") })
                .unwrap(),
        );
        eventually(|| {
            runtime::Handle::current()
                .metrics()
                .unretrieved_panic_count()
                == 1
        })
        .await;
    });
    // (A slow-poll WARN may come too: printing the panic's backtrace can
    // take longer than the threshold, inside the poll.)
    let reports: Vec<_> = events_about(&name)
        .into_iter()
        .filter(|e| e.level == tracing::Level::ERROR)
        .collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].fields.contains("lost panic"), "{:?}", reports[0]);
    assert!(
        reports[0].fields.contains("seeing_inside.rs"),
        "{:?}",
        reports[0]
    );
});

#[test]
fn a_retrieved_panic_is_not_reported() {
    events();
    let rt = rt::current();
    let h = task::Builder::new()
        .name("caught")
        .spawn_on(async { panic!("seen") }, rt.handle());
    assert!(rt.block_on(h).unwrap_err().is_panic());
    assert!(events_about("caught").is_empty());
    assert_eq!(rt.handle().metrics().unretrieved_panic_count(), 0);
}

fn events_mentioning(text: &str) -> Vec<Event> {
    let events = events().lock().unwrap();
    events
        .iter()
        .filter(|e| e.fields.contains(text))
        .cloned()
        .collect()
}

both_flavors!(
    tasks_still_pending_when_the_runtime_drops_are_reported,
    |rt| {
        events();
        let tag = format!("left-behind-{}", rt.handle().metrics().num_workers());
        rt.block_on(async {
            for i in 0..7 {
                task::Builder::new()
                    .name(&format!("{tag}-{i}"))
                    .spawn(std::future::pending::<()>())
                    .unwrap();
            }
            // Aborted ones are on their way out: not reported.
            let aborted = task::Builder::new()
                .name(&format!("{tag}-aborted"))
                .spawn(std::future::pending::<()>())
                .unwrap();
            aborted.abort();
            // Finished ones are gone.
            runtime::spawn(async {}).await.unwrap();
        });
        drop(rt);
        let reports = events_mentioning(&format!("{tag}-"));
        let warn: Vec<_> = reports
            .iter()
            .filter(|e| e.level == tracing::Level::WARN)
            .collect();
        assert_eq!(warn.len(), 1, "{reports:?}");
        let w = &warn[0].fields;
        assert!(w.contains("runtime dropped with 7 pending tasks"), "{w}");
        assert!(w.contains("Task was destroyed but it is pending"), "{w}");
        for i in 0..5 {
            assert!(w.contains(&format!("\"{tag}-{i}\"")), "{w}");
        }
        assert!(!w.contains(&format!("{tag}-5")), "only the first five: {w}");
        assert!(w.contains("and 2 more"), "{w}");
        assert!(w.contains("seeing_inside.rs"), "{w}");
        assert!(!w.contains("aborted"), "{w}");
        assert_eq!(field_u64(warn[0], "pending"), 7);
        // Every one of them at DEBUG.
        let debug: Vec<_> = reports
            .iter()
            .filter(|e| e.level == tracing::Level::DEBUG)
            .collect();
        assert_eq!(debug.len(), 1, "{reports:?}");
        for i in 0..7 {
            assert!(debug[0].fields.contains(&format!("{tag}-{i}")), "{debug:?}");
        }
    }
);

#[test]
fn an_explicit_shutdown_lists_pending_tasks_at_debug_only() {
    events();
    let rt = rt::current();
    rt.block_on(async {
        task::Builder::new()
            .name("shut-down-on-purpose")
            .spawn(std::future::pending::<()>())
            .unwrap();
    });
    rt.shutdown_timeout(Duration::from_secs(5));
    let reports = events_mentioning("shut-down-on-purpose");
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0].level, tracing::Level::DEBUG);
    assert!(reports[0]
        .fields
        .contains("runtime shut down with 1 pending task"));
}

#[test]
fn a_runtime_without_pending_tasks_reports_nothing_at_drop() {
    events();
    let before = events_mentioning("pending task").len();
    let rt = rt::current();
    rt.block_on(async { runtime::spawn(async {}).await.unwrap() });
    drop(rt);
    assert_eq!(events_mentioning("pending task").len(), before);
}

/// A one-worker runtime whose worker is stuck in a poll until the returned
/// sender sends (or drops), so tasks spawned from outside wait unadopted on
/// the registry's arrival list (`task/registry.rs`).
fn with_its_only_worker_stuck() -> (runtime::Runtime, std::sync::mpsc::Sender<()>) {
    let rt = rt::multi(1);
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    rt.spawn(async move {
        started_tx.send(()).unwrap();
        let _ = release_rx.recv();
    });
    started_rx.recv().unwrap();
    (rt, release_tx)
}

/// Spawns `n` pending tasks named `{tag}-{i}` from this (non-worker)
/// thread, each holding a `Tracked` of `drops`.
fn spawn_named_pending_from_outside(
    rt: &runtime::Runtime,
    tag: &str,
    n: usize,
    drops: &DropCounter,
) -> Vec<task::Id> {
    let _in = rt.handle().enter();
    (0..n)
        .map(|i| {
            let t = drops.track();
            task::Builder::new()
                .name(&format!("{tag}-{i}"))
                .spawn(async move {
                    let _t = t;
                    std::future::pending::<()>().await
                })
                .unwrap()
                .id()
        })
        .collect()
}

#[test]
fn tasks_spawned_from_outside_are_listed_and_counted_before_a_worker_takes_them() {
    within(60, || {
        let (rt, release) = with_its_only_worker_stuck();
        let drops = DropCounter::default();
        let ids = spawn_named_pending_from_outside(&rt, "arriving", 3, &drops);
        let ours = |tasks: Vec<task::TaskInfo>| -> Vec<task::TaskInfo> {
            tasks
                .into_iter()
                .filter(|t| ids.contains(&t.id()))
                .collect()
        };
        // The stuck task and the three nobody has run yet.
        assert_eq!(rt.handle().metrics().num_alive_tasks(), 4);
        let listed = ours(rt.handle().tasks());
        assert_eq!(listed.len(), 3, "{listed:?}");
        for (i, t) in listed.iter().enumerate() {
            assert_eq!(t.name(), Some(format!("arriving-{i}").as_str()));
            assert_eq!(t.state(), TaskState::Scheduled, "{t}");
            assert_eq!(t.polls(), 0);
        }
        let dump = rt.handle().dump().to_string();
        assert!(dump.starts_with("4 live tasks:\n"), "{dump}");
        assert!(dump.contains("\"arriving-2\" scheduled"), "{dump}");
        // Once the worker is free it runs them; they stay listed, idle.
        release.send(()).unwrap();
        wait_until(|| rt.handle().metrics().num_alive_tasks() == 3);
        wait_until(|| ours(rt.handle().tasks()).iter().all(|t| t.polls() == 1));
        assert!(ours(rt.handle().tasks())
            .iter()
            .all(|t| t.state() == TaskState::Idle));
        assert_eq!(drops.get(), 0);
        drop(rt);
        assert_eq!(drops.get(), 3, "each future dropped once, at shutdown");
    });
}

#[test]
fn a_shutdown_cancels_and_reports_tasks_no_worker_has_taken_yet() {
    events();
    within(60, || {
        let (rt, release) = with_its_only_worker_stuck();
        let drops = DropCounter::default();
        spawn_named_pending_from_outside(&rt, "never-started", 3, &drops);
        // Does not wait for the stuck worker; cancels everything else now.
        rt.shutdown_background();
        assert_eq!(drops.get(), 3, "each future dropped once, at shutdown");
        let reports = events_mentioning("never-started-");
        assert_eq!(reports.len(), 1, "{reports:?}");
        // The three, and the stuck one (still running: not cancelled yet).
        assert!(
            reports[0]
                .fields
                .contains("runtime shut down with 4 pending tasks"),
            "{reports:?}"
        );
        drop(release);
    });
}
