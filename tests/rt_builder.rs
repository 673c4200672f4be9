//! Builder settings kept for code written for tokio: the scheduler's
//! `global_queue_interval` and `disable_lifo_slot`, and the no-op
//! `enable_*` calls; and the settings a builder refuses.

mod common;

/// With one worker, a task that spawns `b` then `c`: with the LIFO slot
/// the newest (`c`) runs first; without it they run in spawn order.
fn order_of_spawned_tasks(builder: &mut runtime::Builder) -> Vec<char> {
    let rt = builder.worker_threads(1).build().unwrap();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let l = log.clone();
    rt.block_on(rt.spawn(async move {
        let (lb, lc) = (l.clone(), l.clone());
        let b = runtime::spawn(async move { lb.lock().unwrap().push('b') });
        let c = runtime::spawn(async move { lc.lock().unwrap().push('c') });
        b.await.unwrap();
        c.await.unwrap();
    }))
    .unwrap();
    let order = log.lock().unwrap().clone();
    order
}

#[test]
fn the_lifo_slot_runs_the_newest_woken_task_first_unless_disabled() {
    assert_eq!(
        order_of_spawned_tasks(&mut runtime::Builder::new_multi_thread()),
        ['c', 'b']
    );
    assert_eq!(
        order_of_spawned_tasks(runtime::Builder::new_multi_thread().disable_lifo_slot()),
        ['b', 'c']
    );
}

#[test]
fn global_queue_interval_one_takes_a_task_from_outside_at_the_next_tick() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    // One worker kept busy by a task that yields forever (it always has
    // local work). With an interval of 1 it looks at the injector — where a
    // task spawned from outside goes — before its own queue at every tick.
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .global_queue_interval(1)
        .build()
        .unwrap();
    let (stop, polls) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
    );
    let (s, p) = (stop.clone(), polls.clone());
    let spinner = rt.spawn(async move {
        while !s.load(SeqCst) {
            p.fetch_add(1, SeqCst);
            runtime::task::yield_now().await;
        }
    });
    common::wait_until(|| polls.load(SeqCst) > 100);
    let p = polls.clone();
    let outside = rt.spawn(async move { p.load(SeqCst) });
    let at_spawn = polls.load(SeqCst);
    let at_run = rt.block_on(outside).unwrap();
    stop.store(true, SeqCst);
    rt.block_on(spinner).unwrap();
    // The poll in progress when the spawn returned, then the injector.
    assert!(
        at_run <= at_spawn + 2,
        "ran after {} more polls of the spinner",
        at_run - at_spawn
    );
}

#[test]
fn global_queue_interval_zero_panics() {
    let r = std::panic::catch_unwind(|| {
        runtime::Builder::new_multi_thread().global_queue_interval(0);
    });
    assert!(r.is_err());
}

#[test]
fn enable_calls_are_accepted_and_change_nothing() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .enable_io()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(runtime::time::sleep(std::time::Duration::from_millis(1)));
    let rt = runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(runtime::time::sleep(std::time::Duration::from_millis(1)));
}

// ---------------------------------------------------------------- settings refused

#[test]
fn zero_worker_threads_is_an_error() {
    let err = runtime::Builder::new_multi_thread()
        .worker_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("at least 1"), "{err}");
}

#[test]
fn worker_threads_zero_is_invalid_input() {
    let err = runtime::Builder::new_multi_thread()
        .worker_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("worker_threads"), "{err}");
}

#[test]
fn max_blocking_threads_zero_is_invalid_input_on_both_flavors() {
    for mut b in [
        runtime::Builder::new_multi_thread(),
        runtime::Builder::new_current_thread(),
    ] {
        let err = b.max_blocking_threads(0).build().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("max_blocking_threads"), "{err}");
    }
}
