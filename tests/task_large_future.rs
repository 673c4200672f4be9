//! A large future spawned from inside a task must not overflow the worker's
//! stack: the public spawn functions box a big future first, so only a
//! pointer travels down the spawn path (tokio boxes above 2 KiB in debug and
//! 16 KiB in release builds, and handles these sizes).
//!
//! Its own test binary: a stack overflow aborts the whole process.

mod common;
use common::rt;

/// The size a worker's 2 MiB stack must cope with: 1 MiB in release, 512 KiB
/// in a debug build (whose frames hold more temporary copies).
const SIZE: usize = if cfg!(debug_assertions) {
    512 * 1024
} else {
    1024 * 1024
};

async fn big() -> usize {
    let buf = [7u8; SIZE];
    runtime::task::yield_now().await;
    std::hint::black_box(&buf).iter().map(|&b| b as usize).sum()
}

#[test]
fn the_future_is_as_large_as_it_says() {
    assert!(std::mem::size_of_val(&big()) >= SIZE);
}

// Each spawn is made from its own small task, so that the test's own poll
// frames hold one large temporary each (a debug build does not share stack
// slots between temporaries of one function).
both_flavors!(spawn_from_a_task, |rt| {
    let out = rt.block_on(async {
        let a = runtime::spawn(async { runtime::spawn(big()).await.unwrap() });
        let b = runtime::spawn(async {
            let h = runtime::task::Builder::new().name("big").spawn(big());
            h.unwrap().await.unwrap()
        });
        let c = runtime::spawn(async { runtime::Handle::current().spawn(big()).await.unwrap() });
        let d = runtime::spawn(async {
            let mut set = runtime::task::JoinSet::new();
            set.spawn(big());
            set.join_next().await.unwrap().unwrap()
        });
        a.await.unwrap() + b.await.unwrap() + c.await.unwrap() + d.await.unwrap()
    });
    assert_eq!(out, 4 * 7 * SIZE);
});

#[test]
fn runtime_spawn_from_a_worker_thread() {
    let rt = std::sync::Arc::new(rt::multi(2));
    let (rt2, rt3) = (rt.clone(), rt.clone());
    let out = rt.block_on(async move {
        rt2.spawn(async move { rt3.spawn(big()).await.unwrap() })
            .await
            .unwrap()
    });
    assert_eq!(out, 7 * SIZE);
}
