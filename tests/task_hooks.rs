//! Task hooks: `on_task_spawn`, `on_task_terminate`, `on_before_task_poll`,
//! `on_after_task_poll`, each told the task's id, name and spawn location,
//! on both flavors.
use runtime::task::{self, Id};
use runtime::{Builder, Runtime, TaskMeta};
use std::sync::{Arc, Mutex};

/// What a hook saw: which hook, and the task's id, name and spawn line.
type Seen = Arc<Mutex<Vec<(&'static str, Id, Option<String>, String)>>>;

fn record(seen: &Seen, which: &'static str) -> impl Fn(&TaskMeta<'_>) + Send + Sync + 'static {
    let seen = seen.clone();
    move |t| {
        let at = format!("{}:{}", t.spawned_at().file(), t.spawned_at().line());
        seen.lock()
            .unwrap()
            .push((which, t.id(), t.name().map(str::to_owned), at));
    }
}

/// Both flavors (2 workers for the multi-thread one), built by `hooks`.
fn flavors(hooks: impl Fn(&mut Builder)) -> [Runtime; 2] {
    let mut current = Builder::new_current_thread();
    hooks(&mut current);
    let mut multi = Builder::new_multi_thread();
    multi.worker_threads(2);
    hooks(&mut multi);
    [current.build().unwrap(), multi.build().unwrap()]
}

#[test]
fn on_task_spawn_sees_every_task_with_its_name_and_spawn_location() {
    let seen = Seen::default();
    for rt in flavors(|b| {
        b.on_task_spawn(record(&seen, "spawn"));
    }) {
        seen.lock().unwrap().clear();
        let line = line!() + 2;
        let (named, unnamed) = rt.block_on(async {
            let named = task::Builder::new().name("worker").spawn(async {}).unwrap();
            let unnamed = runtime::spawn(async {});
            let ids = (named.id(), unnamed.id());
            named.await.unwrap();
            unnamed.await.unwrap();
            ids
        });
        let seen = seen.lock().unwrap();
        let here = format!("{}:{line}", file!());
        assert_eq!(
            *seen,
            [
                ("spawn", named, Some("worker".to_owned()), here.clone()),
                ("spawn", unnamed, None, format!("{}:{}", file!(), line + 1)),
            ]
        );
    }
}

#[test]
fn on_task_terminate_fires_once_per_task_however_it_ends() {
    let seen = Seen::default();
    for rt in flavors(|b| {
        b.on_task_terminate(record(&seen, "terminate"));
    }) {
        seen.lock().unwrap().clear();
        let ids = rt.block_on(async {
            let done = runtime::spawn(async {});
            let panicked = runtime::spawn(async { panic!("boom") });
            let aborted = task::Builder::new()
                .name("forever")
                .spawn(std::future::pending::<()>())
                .unwrap();
            let ids = [done.id(), panicked.id(), aborted.id()];
            aborted.abort();
            done.await.unwrap();
            assert!(panicked.await.unwrap_err().is_panic());
            assert!(aborted.await.unwrap_err().is_cancelled());
            ids
        });
        // A task still pending when the runtime drops ends too.
        let pending = rt.spawn(std::future::pending::<()>()).id();
        drop(rt);
        let seen = seen.lock().unwrap();
        let mut ended: Vec<Id> = seen.iter().map(|s| s.1).collect();
        ended.sort();
        let mut expected = vec![ids[0], ids[1], ids[2], pending];
        expected.sort();
        assert_eq!(ended, expected, "{seen:?}");
        let forever = seen.iter().find(|s| s.1 == ids[2]).unwrap();
        assert_eq!(forever.2.as_deref(), Some("forever"));
    }
}

/// The `(hook, id)` pairs of `seen` for task `id`.
fn of_task(seen: &Seen, id: Id) -> Vec<&'static str> {
    let seen = seen.lock().unwrap();
    seen.iter().filter(|s| s.1 == id).map(|s| s.0).collect()
}

#[test]
fn on_before_task_poll_runs_before_every_poll() {
    let seen = Seen::default();
    for rt in flavors(|b| {
        b.on_before_task_poll(record(&seen, "before"));
    }) {
        seen.lock().unwrap().clear();
        let id = rt.block_on(async {
            let h = runtime::spawn(async {
                // Inside the task, its hook already ran: the before-poll
                // hook of this very poll is in the list.
                for _ in 0..3 {
                    task::yield_now().await;
                }
            });
            let id = h.id();
            h.await.unwrap();
            id
        });
        assert_eq!(of_task(&seen, id), ["before"; 4]);
        let spawned_here = seen.lock().unwrap()[0].3.starts_with(file!());
        assert!(spawned_here);
    }
}

#[test]
fn on_after_task_poll_runs_after_every_poll_even_one_that_panicked() {
    let seen = Seen::default();
    let polls_seen = Arc::new(Mutex::new(Vec::new()));
    for rt in flavors(|b| {
        let seen = seen.clone();
        b.on_before_task_poll(record(&seen, "before"));
        b.on_after_task_poll(record(&seen, "after"));
    }) {
        seen.lock().unwrap().clear();
        let (id, panicked) = rt.block_on(async {
            let log = seen.clone();
            let polls = polls_seen.clone();
            let h = runtime::spawn(async move {
                for _ in 0..2 {
                    // The hooks of this poll so far: its `before` only.
                    let me = task::id();
                    let mine: Vec<_> = log
                        .lock()
                        .unwrap()
                        .iter()
                        .filter(|s| s.1 == me)
                        .map(|s| s.0)
                        .collect();
                    polls.lock().unwrap().push(mine);
                    task::yield_now().await;
                }
            });
            let p = runtime::spawn(async { panic!("in a poll") });
            let ids = (h.id(), p.id());
            h.await.unwrap();
            assert!(p.await.unwrap_err().is_panic());
            ids
        });
        assert_eq!(of_task(&seen, id), ["before", "after"].repeat(3));
        assert_eq!(of_task(&seen, panicked), ["before", "after"]);
        let polls = std::mem::take(&mut *polls_seen.lock().unwrap());
        assert_eq!(
            polls,
            [vec!["before"], vec!["before", "after", "before"]],
            "the after-poll hook ran inside the poll"
        );
    }
}

#[test]
fn a_panicking_hook_is_contained_and_the_task_carries_on() {
    for rt in flavors(|b| {
        b.on_before_task_poll(|_| panic!("hook"))
            .on_task_spawn(|_| panic!("spawn hook"));
    }) {
        let out = rt.block_on(async { runtime::spawn(async { 7 }).await.unwrap() });
        assert_eq!(out, 7);
    }
}
