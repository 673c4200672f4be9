//! tokio-console sees runtime's tasks: console-subscriber's layer runs in
//! this process (its gRPC server on a tokio thread of its own), a small
//! program runs named tasks on `runtime`, and console-api's client reads
//! the `Instrument` service as the `tokio-console` TUI does
//! (`WatchUpdates`): our tasks must appear with their names, kinds, spawn
//! locations, poll counts and wake counts.
//!
//! Run by `.ci/run` (console-subscriber refuses to start unless built with
//! `--cfg console_without_tokio_unstable`):
//!
//! ```text
//! RUSTFLAGS="--cfg console_without_tokio_unstable" CARGO_TARGET_DIR=target/console \
//!     cargo test -p runtime-integrations --features console --test console -- --nocapture
//! ```
//!
//! `--nocapture` prints the task list as the console shows it (README,
//! "Seeing inside").

use console_api::field::{Name, Value};
use console_api::instrument::instrument_client::InstrumentClient;
use console_api::instrument::InstrumentRequest;
use console_api::tasks::{Stats, Task};
use runtime::task;
use runtime::time;
use std::collections::HashMap;
use std::net::{Ipv4Addr, TcpListener};
use std::time::Duration;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// One task as the console lists it.
#[derive(Debug, Clone)]
struct Row {
    span: u64,
    name: String,
    kind: String,
    task_id: Option<u64>,
    location: String,
    polls: u64,
    wakes: u64,
    self_wakes: u64,
    waker_clones: u64,
    waker_drops: u64,
    done: bool,
    busy: Duration,
    total: Duration,
}

/// Everything the console has said so far.
#[derive(Default)]
struct Seen {
    tasks: HashMap<u64, Task>,
    stats: HashMap<u64, Stats>,
    /// Field names by metadata id (fields may name themselves by index).
    field_names: HashMap<u64, Vec<String>>,
}

fn duration(d: &Option<prost_types::Duration>) -> Duration {
    d.as_ref().map_or(Duration::ZERO, |d| {
        Duration::new(d.seconds.max(0) as u64, d.nanos.max(0) as u32)
    })
}

fn at(t: &Option<prost_types::Timestamp>) -> Option<Duration> {
    t.as_ref()
        .map(|t| Duration::new(t.seconds.max(0) as u64, t.nanos.max(0) as u32))
}

impl Seen {
    fn rows(&self, now: Duration) -> Vec<Row> {
        let mut rows: Vec<Row> = self
            .tasks
            .iter()
            .map(|(&span, t)| {
                let names = t
                    .metadata
                    .and_then(|m| self.field_names.get(&m.id))
                    .cloned()
                    .unwrap_or_default();
                let mut fields = HashMap::new();
                for f in &t.fields {
                    let name = match &f.name {
                        Some(Name::StrName(s)) => s.clone(),
                        Some(Name::NameIdx(i)) => {
                            names.get(*i as usize).cloned().unwrap_or_default()
                        }
                        None => continue,
                    };
                    let value = match &f.value {
                        Some(Value::StrVal(s)) => s.clone(),
                        Some(Value::DebugVal(s)) => s.clone(),
                        Some(Value::U64Val(n)) => n.to_string(),
                        Some(Value::I64Val(n)) => n.to_string(),
                        Some(Value::BoolVal(b)) => b.to_string(),
                        None => continue,
                    };
                    fields.insert(name, value);
                }
                let location = t.location.as_ref().map_or(String::new(), |l| {
                    format!(
                        "{}:{}:{}",
                        l.file.clone().unwrap_or_default(),
                        l.line.unwrap_or(0),
                        l.column.unwrap_or(0)
                    )
                });
                let s = self.stats.get(&span).cloned().unwrap_or_default();
                let poll = s.poll_stats.unwrap_or_default();
                let created = at(&s.created_at).unwrap_or(now);
                let end = at(&s.dropped_at).unwrap_or(now);
                Row {
                    span,
                    name: fields.get("task.name").cloned().unwrap_or_default(),
                    kind: fields.get("kind").cloned().unwrap_or_default(),
                    task_id: fields.get("task.id").and_then(|s| s.parse().ok()),
                    location,
                    polls: poll.polls,
                    wakes: s.wakes,
                    self_wakes: s.self_wakes,
                    waker_clones: s.waker_clones,
                    waker_drops: s.waker_drops,
                    done: s.dropped_at.is_some(),
                    busy: duration(&poll.busy_time),
                    total: end.saturating_sub(created),
                }
            })
            .collect();
        rows.sort_by_key(|r| r.span);
        rows
    }
}

/// The rows as tokio-console's task list shows them (its columns, in
/// text).
fn task_list(rows: &[Row]) -> String {
    let mut out = format!(
        "{:<4} {:<6} {:<10} {:>9} {:>9} {:>6} {:>6} {:<9} {:<32} {}\n",
        "ID", "State", "Name", "Total", "Busy", "Polls", "Wakes", "Kind", "Location", "Fields"
    );
    for r in rows {
        let state = if r.done { "Done" } else { "Idle" };
        let fields = r
            .task_id
            .map_or(String::new(), |id| format!("task.id={id}"));
        out += &format!(
            "{:<4} {:<6} {:<10} {:>9} {:>9} {:>6} {:>6} {:<9} {:<32} {}\n",
            r.span,
            state,
            r.name,
            format!("{:.2?}", r.total),
            format!("{:.2?}", r.busy),
            r.polls,
            r.wakes,
            r.kind,
            r.location,
            fields
        );
    }
    out
}

/// The small program: named tasks whose polls and wakes are known.
/// Returns the line each named task was spawned on.
async fn program() -> HashMap<&'static str, u32> {
    let mut lines = HashMap::new();
    lines.insert("yielder", line!() + 1);
    let yielder = task::Builder::new().name("yielder").spawn(async {
        // 6 polls; each yield wakes the task from inside its own poll.
        for _ in 0..5 {
            task::yield_now().await;
        }
    });
    lines.insert("sleeper", line!() + 1);
    let sleeper = task::Builder::new().name("sleeper").spawn(async {
        // 4 polls, woken by the timer 3 times.
        for _ in 0..3 {
            time::sleep(Duration::from_millis(5)).await;
        }
    });
    let sleeper = sleeper.unwrap();
    let sleeper_done = sleeper.id();
    lines.insert("joiner", line!() + 1);
    let joiner = task::Builder::new().name("joiner").spawn(async move {
        // Woken once, by the sleeper's completion.
        sleeper.await.unwrap();
    });
    lines.insert("forever", line!() + 1);
    let forever = task::Builder::new()
        .name("forever")
        .spawn(std::future::pending::<()>());
    let job = runtime::spawn_blocking(|| 6 * 7);
    yielder.unwrap().await.unwrap();
    joiner.unwrap().await.unwrap();
    assert_eq!(job.await.unwrap(), 42);
    let _ = sleeper_done;
    // `forever` stays, idle: leaked on purpose so the console lists a live
    // task (the runtime cancels it when it drops).
    std::mem::forget(forever.unwrap());
    lines
}

#[test]
fn the_console_lists_the_tasks_with_names_locations_polls_and_wakes() {
    // A free port for the console's server.
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let layer = console_subscriber::ConsoleLayer::builder()
        .server_addr((Ipv4Addr::LOCALHOST, port))
        .publish_interval(Duration::from_millis(20))
        .retention(Duration::from_secs(3600))
        .spawn();
    tracing_subscriber::registry().with(layer).init();

    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let lines = rt.block_on(program());

    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let rows = client_rt.block_on(async {
        let mut client = None;
        for _ in 0..600 {
            match InstrumentClient::connect(format!("http://127.0.0.1:{port}")).await {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        let mut client = client.expect("the console's server never came up");
        let mut updates = client
            .watch_updates(InstrumentRequest {})
            .await
            .unwrap()
            .into_inner();
        let mut seen = Seen::default();
        // Until the stats say what the program did (each update carries
        // what changed since the last one; the first, everything).
        for _ in 0..1_000 {
            let update = tokio::time::timeout(Duration::from_secs(60), updates.message())
                .await
                .expect("no update from the console for a minute")
                .unwrap()
                .expect("the console closed the stream");
            if let Some(meta) = update.new_metadata {
                for m in meta.metadata {
                    if let (Some(id), Some(md)) = (m.id, m.metadata) {
                        seen.field_names.insert(id.id, md.field_names);
                    }
                }
            }
            if let Some(tu) = update.task_update {
                for t in tu.new_tasks {
                    if let Some(id) = t.id {
                        seen.tasks.insert(id.id, t);
                    }
                }
                seen.stats.extend(tu.stats_update);
            }
            let now = at(&update.now).unwrap_or_default();
            let rows = seen.rows(now);
            let named = |n: &str| rows.iter().find(|r| r.name == n).cloned();
            let done = |n: &str| named(n).is_some_and(|r| r.done);
            if done("yielder")
                && done("sleeper")
                && done("joiner")
                && named("forever").is_some_and(|r| r.polls == 1)
                && rows.iter().any(|r| r.kind == "blocking" && r.done)
            {
                return rows;
            }
        }
        panic!("the console never showed the program's tasks done");
    });
    println!("{}", task_list(&rows));

    let named = |n: &str| {
        rows.iter()
            .find(|r| r.name == n)
            .unwrap_or_else(|| panic!("no task {n:?} in {rows:#?}"))
    };
    for (name, line) in &lines {
        let r = named(name);
        assert_eq!(r.kind, "task", "{r:?}");
        // The line of the `spawn` call: the one recorded, or a few below
        // it where rustfmt breaks the builder chain.
        let at: Vec<&str> = r.location.rsplitn(3, ':').collect();
        let spawned: u32 = at[1].parse().unwrap();
        assert!(
            at[2].ends_with("tests/console.rs") && (*line..=line + 3).contains(&spawned),
            "{r:?} should be spawned at line {line}"
        );
        assert!(r.task_id.is_some(), "{r:?}");
    }
    let yielder = named("yielder");
    assert_eq!(
        (yielder.polls, yielder.wakes, yielder.self_wakes),
        (6, 5, 5),
        "{yielder:?}"
    );
    let sleeper = named("sleeper");
    assert_eq!(sleeper.polls, 4, "{sleeper:?}");
    // Woken by the timer wheel (which owns a clone of the waker) once per
    // sleep; not from inside its own poll.
    assert_eq!((sleeper.wakes, sleeper.self_wakes), (3, 0), "{sleeper:?}");
    assert!(sleeper.waker_clones >= 3, "{sleeper:?}");
    let joiner = named("joiner");
    assert_eq!((joiner.polls, joiner.wakes), (2, 1), "{joiner:?}");
    // Every waker clone was dropped (a wake by value counts as a drop): no
    // lost wakers for the console to lint.
    for r in rows.iter().filter(|r| r.done) {
        assert_eq!(r.waker_clones, r.waker_drops, "{r:?}");
    }
    let forever = named("forever");
    assert_eq!((forever.polls, forever.wakes, forever.done), (1, 0, false));
    assert!(rows.iter().any(|r| r.kind == "block_on"), "{rows:#?}");
    // A blocking job: one "poll" (it runs once), spawned from the program.
    let job = rows.iter().find(|r| r.kind == "blocking").unwrap();
    assert_eq!(job.polls, 1, "{job:?}");
    drop(rt);
}
