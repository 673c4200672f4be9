//! Builder validation and defaults.
#![cfg(not(loom))]

use std::io::ErrorKind;

use runtime_blocking::{BlockingPool, Builder};

#[test]
fn zero_max_threads_is_invalid_input() {
    let err = BlockingPool::builder().max_threads(0).build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("at least 1"), "{err}");
}

#[test]
fn zero_queue_limit_is_invalid_input() {
    let err = BlockingPool::builder().queue_limit(0).build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("queue_limit"), "{err}");
}

#[test]
fn nul_in_thread_name_is_invalid_input() {
    let err = BlockingPool::builder()
        .thread_name("a\0b")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[test]
#[should_panic(expected = "pass max_threads >= 1")]
fn new_with_zero_threads_panics_with_advice() {
    let _ = BlockingPool::new(0);
}

#[test]
fn defaults() {
    let pool = Builder::default().build().unwrap();
    assert_eq!(pool.max_threads(), 512);
    assert_eq!(
        (pool.num_threads(), pool.queue_depth()),
        (0, 0),
        "threads start lazily"
    );
    let dbg = format!("{:?}", BlockingPool::builder());
    assert!(
        dbg.contains("512") && dbg.contains("runtime-blocking"),
        "{dbg}"
    );
}
