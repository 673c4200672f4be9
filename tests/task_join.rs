mod common;

both_flavors!(join_returns_the_value, |rt| {
    let v = rt.block_on(async {
        let hs: Vec<_> = (0..1000u64)
            .map(|i| runtime::spawn(async move { i * 2 }))
            .collect();
        let mut sum = 0;
        for h in hs {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(v, 999 * 1000);
});

both_flavors!(join_handle_reports_finished_and_id, |rt| {
    rt.block_on(async {
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        let h = runtime::spawn(async move { rx.await.unwrap() });
        let other = runtime::spawn(async {});
        assert_ne!(h.id(), other.id());
        assert!(!h.is_finished());
        tx.send(()).unwrap();
        let id = h.id();
        let abort = h.abort_handle();
        assert_eq!(abort.id(), id);
        h.await.unwrap();
        assert!(abort.is_finished());
    });
});

both_flavors!(spawned_task_runs_without_being_awaited, |rt| {
    let (tx, rx) = std::sync::mpsc::channel();
    rt.block_on(async move {
        drop(runtime::spawn(async move { tx.send(7).unwrap() }));
        let (done_tx, done_rx) = futures::channel::oneshot::channel::<()>();
        // Let the detached task run; the current-thread flavor only runs
        // tasks while block_on waits.
        runtime::spawn(async move { done_tx.send(()).unwrap() });
        done_rx.await.unwrap();
    });
    assert_eq!(
        rx.recv_timeout(std::time::Duration::from_secs(30)).unwrap(),
        7
    );
});

both_flavors!(detached_task_keeps_running, |rt| {
    rt.block_on(async {
        let (tx, rx) = futures::channel::oneshot::channel::<u32>();
        let (go_tx, go_rx) = futures::channel::oneshot::channel::<()>();
        let h = runtime::spawn(async move {
            go_rx.await.unwrap();
            tx.send(5).unwrap();
        });
        drop(h); // detach
        go_tx.send(()).unwrap();
        assert_eq!(rx.await.unwrap(), 5);
    });
});

both_flavors!(task_builder_names_tasks, |rt| {
    rt.block_on(async {
        let h = runtime::task::Builder::new()
            .name("fetch-1")
            .spawn(async { "ok" })
            .unwrap();
        assert_eq!(h.await.unwrap(), "ok");
    });
});

#[test]
fn handle_spawns_from_another_thread() {
    let rt = runtime::Runtime::new().unwrap();
    let handle = rt.handle().clone();
    let out = std::thread::spawn(move || {
        let h = handle.spawn(async { 11 });
        futures::executor::block_on(h).unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(out, 11);
}
