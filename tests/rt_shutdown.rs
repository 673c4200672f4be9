//! Shutting a runtime down (dropping it, `shutdown_timeout`,
//! `shutdown_background`): each pending future is dropped once, spawns
//! after or during the shutdown resolve, and a stuck task or blocking job
//! delays it no longer than asked.
mod common;
use common::*;
use std::time::Duration;

both_flavors!(runtime_drop_drops_each_pending_future_once, |rt| {
    let drops = DropCounter::default();
    let mut handles = Vec::new();
    rt.block_on(async {
        for _ in 0..1000 {
            let d = drops.track();
            handles.push(runtime::spawn(async move {
                let _d = d;
                std::future::pending::<()>().await
            }));
        }
        // Let them all start (current-thread runs them while we yield).
        runtime::task::yield_now().await;
    });
    assert_eq!(drops.get(), 0);
    drop(rt);
    assert_eq!(drops.get(), 1000);
    for h in handles {
        assert!(h.is_finished());
        let err = futures::executor::block_on(h).unwrap_err();
        assert!(err.is_cancelled());
    }
});

both_flavors!(spawn_after_shutdown_is_cancelled, |rt| {
    let handle = rt.handle().clone();
    drop(rt);
    let drops = DropCounter::default();
    let d = drops.track();
    let h = handle.spawn(async move {
        let _d = d;
    });
    assert!(futures::executor::block_on(h).unwrap_err().is_cancelled());
    assert_eq!(drops.get(), 1);
});

both_flavors!(spawning_after_shutdown_resolves_to_cancelled, |rt| {
    let handle = rt.handle().clone();
    drop(rt);
    within(30, move || {
        let drops = DropCounter::default();
        let t = drops.track();
        let h = handle.spawn(async move {
            let _t = t;
            1
        });
        let err = futures::executor::block_on(h).unwrap_err();
        assert!(err.is_cancelled(), "{err}");
        assert_eq!(drops.get(), 1, "the refused future is dropped once");
        let err = futures::executor::block_on(handle.spawn_blocking(|| 1)).unwrap_err();
        assert!(err.is_cancelled(), "{err}");
        // Pending forever, aborted: still resolves.
        let h = handle.spawn(std::future::pending::<()>());
        h.abort();
        assert!(futures::executor::block_on(h).is_err());
    });
});

both_flavors!(spawning_during_shutdown_from_a_task_resolves, |rt| {
    let (tx, rx) = std::sync::mpsc::channel();
    rt.block_on(async move {
        // A task that spawns from its destructor while the runtime drops it.
        struct SpawnOnDrop(Option<std::sync::mpsc::Sender<runtime::task::JoinHandle<u8>>>);
        impl Drop for SpawnOnDrop {
            fn drop(&mut self) {
                if let Ok(h) = runtime::Handle::try_current() {
                    let _ = self.0.take().unwrap().send(h.spawn(async { 1 }));
                }
            }
        }
        let guard = SpawnOnDrop(Some(tx));
        drop(runtime::spawn(async move {
            let _g = guard;
            std::future::pending::<()>().await;
        }));
        runtime::task::yield_now().await;
    });
    within(30, move || {
        drop(rt);
        // If the destructor ran inside the runtime's context and spawned,
        // that late task must resolve (ran or cancelled), not hang.
        if let Ok(h) = rx.try_recv() {
            let _ = futures::executor::block_on(h);
        }
    });
});

#[test]
fn dropping_a_runtime_inside_async_code_does_not_panic() {
    let outer = runtime::Runtime::new().unwrap();
    let inner = runtime::Runtime::new().unwrap();
    let drops = DropCounter::default();
    let d = drops.track();
    inner.spawn(async move {
        let _d = d;
        std::future::pending::<()>().await
    });
    outer.block_on(async move {
        drop(inner);
    });
    assert_eq!(drops.get(), 1);
}

#[test]
fn shutdown_timeout_returns_despite_a_stuck_task() {
    let rt = rt::multi(2);
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    rt.spawn(async move {
        started_tx.send(()).unwrap();
        std::thread::sleep(Duration::from_millis(1500)); // blocks a worker
    });
    started_rx.recv().unwrap();
    let t = std::time::Instant::now();
    rt.shutdown_timeout(Duration::from_millis(100));
    assert!(
        t.elapsed() < Duration::from_millis(1400),
        "waited for the stuck worker"
    );
}

#[test]
fn runtime_in_a_task_of_itself_can_be_dropped() {
    // Moving the runtime into its own task and dropping it there must not
    // deadlock (a worker cannot join itself).
    let rt = rt::multi(2);
    let rt = std::sync::Arc::new(std::sync::Mutex::new(Some(rt)));
    let (tx, rx) = std::sync::mpsc::channel();
    let r2 = rt.clone();
    let handle = rt.lock().unwrap().as_ref().unwrap().handle().clone();
    handle.spawn(async move {
        let rt = r2.lock().unwrap().take();
        drop(rt);
        tx.send(()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(30)).unwrap();
}

/// Starts a blocking job that runs until the returned sender is dropped
/// (or a minute passes), and waits until it is running.
fn start_stuck_job(rt: &runtime::Runtime) -> std::sync::mpsc::Sender<()> {
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    rt.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        let _ = release_rx.recv_timeout(Duration::from_secs(60));
    });
    started_rx.recv().unwrap();
    release_tx
}

both_flavors!(shutdown_timeout_returns_while_a_blocking_job_runs, |rt| {
    let release = start_stuck_job(&rt);
    // Returns after about the timeout (within() fails the test instead of
    // hanging if it waits for the job), including the runtime's drop.
    within(30, move || rt.shutdown_timeout(Duration::from_millis(100)));
    drop(release);
});

both_flavors!(
    shutdown_timeout_zero_returns_at_once_while_a_blocking_job_runs,
    |rt| {
        let release = start_stuck_job(&rt);
        within(30, move || rt.shutdown_timeout(Duration::ZERO));
        drop(release);
    }
);

both_flavors!(
    shutdown_background_returns_at_once_while_a_blocking_job_runs,
    |rt| {
        let release = start_stuck_job(&rt);
        let pending = rt.spawn(std::future::pending::<()>());
        let abort = pending.abort_handle();
        within(30, move || rt.shutdown_background());
        // Its tasks are cancelled: by the shutdown itself, or, for one a
        // worker is polling at that moment (the workers are not waited for),
        // by that worker as its poll returns.
        wait_until(|| abort.is_finished());
        drop(release);
    }
);
