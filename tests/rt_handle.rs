//! `Handle::block_on`, `Handle::id`, `Handle::name`.

mod common;

use common::panic_message;

both_flavors!(handle_block_on_runs_a_future_from_another_thread, |rt| {
    let handle = rt.handle().clone();
    let n = std::thread::spawn(move || {
        handle.block_on(async {
            runtime::time::sleep(std::time::Duration::from_millis(1)).await;
            runtime::spawn(async { 20 }).await.unwrap() + 1
        })
    })
    .join()
    .unwrap();
    assert_eq!(n, 21);
});

both_flavors!(handle_block_on_works_inside_spawn_blocking, |rt| {
    let n = rt.block_on(async {
        runtime::spawn_blocking(|| {
            runtime::Handle::current()
                .block_on(async { runtime::spawn(async { 7 }).await.unwrap() })
        })
        .await
        .unwrap()
    });
    assert_eq!(n, 7);
});

both_flavors!(
    handle_block_on_inside_a_task_panics_into_its_join_handle,
    |rt| {
        let e = rt
            .block_on(rt.spawn(async { runtime::Handle::current().block_on(async {}) }))
            .unwrap_err();
        let msg = panic_message(&*e.into_panic());
        assert!(
            msg.contains("cannot block on a runtime from inside a runtime"),
            "{msg}"
        );
    }
);

#[test]
fn runtime_ids_are_unique_and_shared_by_all_handles_of_one_runtime() {
    let a = runtime::Builder::new_current_thread().build().unwrap();
    let b = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let (ia, ib) = (a.handle().id(), b.handle().id());
    assert_ne!(ia, ib);
    assert_eq!(ia, a.handle().clone().id());
    assert_eq!(b.block_on(async { runtime::Handle::current().id() }), ib);
    let set: std::collections::HashSet<runtime::runtime::Id> = [ia, ib, ia].into();
    assert_eq!(set.len(), 2);
    assert_ne!(ia.to_string(), ib.to_string());
    assert!(
        ia.to_string().parse::<u64>().is_ok(),
        "displays as a number: {ia}"
    );
}

#[test]
fn a_named_runtime_names_its_handle_and_its_threads() {
    let rt = runtime::Builder::new_multi_thread()
        .name("api")
        .worker_threads(2)
        .build()
        .unwrap();
    assert_eq!(rt.handle().name(), Some("api"));
    let (worker, blocking) = rt.block_on(async {
        let w = runtime::spawn(async { std::thread::current().name().unwrap().to_owned() });
        let b = runtime::spawn_blocking(|| std::thread::current().name().unwrap().to_owned());
        (w.await.unwrap(), b.await.unwrap())
    });
    assert!(worker.starts_with("api-worker-"), "{worker}");
    assert_eq!(blocking, "api-worker-blocking");
    let unnamed = runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(unnamed.handle().name(), None);
    // An explicit thread name wins over the runtime's name.
    let rt = runtime::Builder::new_multi_thread()
        .name("api")
        .thread_name("io")
        .worker_threads(1)
        .build()
        .unwrap();
    let worker = rt.block_on(async {
        runtime::spawn(async { std::thread::current().name().unwrap().to_owned() })
            .await
            .unwrap()
    });
    assert_eq!(worker, "io-0");
}
