//! A job's value, or its panic, comes back through its handle.
#![cfg(not(loom))]

use futures::executor::block_on;
use runtime_blocking::BlockingPool;

#[test]
fn value_comes_back() {
    let pool = BlockingPool::new(2);
    assert_eq!(
        block_on(pool.spawn(|| "hello".to_string())).unwrap(),
        "hello"
    );
}

#[test]
fn panic_comes_back_as_join_error_and_the_thread_survives() {
    let pool = BlockingPool::new(1);
    let n = std::hint::black_box(7); // a run-time value: the payload is a `String`
    let h = pool.spawn(move || -> u32 { panic!("boom {n}") });
    let id = h.id();
    let err = block_on(h).unwrap_err();
    assert!(err.is_panic() && !err.is_cancelled());
    assert_eq!(err.id(), id);
    assert!(err.to_string().contains("boom 7"), "{err}");
    assert_eq!(*err.into_panic().downcast::<String>().unwrap(), "boom 7");
    // The one thread is still usable.
    assert_eq!(block_on(pool.spawn(|| 1)).unwrap(), 1);
}

#[test]
fn ids_are_distinct_and_handles_debug_print() {
    let pool = BlockingPool::new(1);
    let a = pool.spawn(|| ());
    let b = pool.spawn(|| ());
    assert_ne!(a.id(), b.id());
    assert!(format!("{a:?}").starts_with("BlockingHandle"));
    assert!(format!("{:?}", a.abort_handle()).starts_with("BlockingAbortHandle"));
    block_on(a).unwrap();
    block_on(b).unwrap();
}

#[test]
fn jobs_run_on_named_pool_threads() {
    let pool = BlockingPool::builder()
        .thread_name("db-io")
        .build()
        .unwrap();
    let name = block_on(pool.spawn(|| std::thread::current().name().map(str::to_owned))).unwrap();
    assert_eq!(name.as_deref(), Some("db-io"));
}

#[test]
fn handles_are_send_unpin_and_the_pool_is_send_sync() {
    fn send_unpin<T: Send + Unpin>() {}
    fn send_sync<T: Send + Sync + Clone + std::fmt::Debug>() {}
    send_unpin::<runtime_blocking::BlockingHandle<String>>();
    send_sync::<BlockingPool>();
    send_sync::<runtime_blocking::BlockingAbortHandle>();
}
