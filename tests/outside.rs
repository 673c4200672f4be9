//! Calls made in the wrong place get a clear error or panic, never a hang.
mod common;
use common::panic_message as message;

#[test]
fn spawn_outside_a_runtime_panics_with_a_how_to() {
    let err = std::panic::catch_unwind(|| {
        runtime::spawn(async {});
    })
    .unwrap_err();
    let msg = message(&*err);
    assert!(msg.contains("outside a runtime"), "{msg}");
    assert!(msg.contains("Runtime::block_on"), "{msg}");
    assert!(msg.contains("#[runtime::main]"), "{msg}");
}

#[test]
fn handle_current_outside_a_runtime() {
    assert!(runtime::Handle::try_current().is_err());
    let err = std::panic::catch_unwind(runtime::Handle::current).unwrap_err();
    let msg = message(&*err);
    assert!(msg.contains("no runtime on this thread"), "{msg}");
}

#[test]
fn handle_current_inside_a_runtime() {
    let rt = runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let h = runtime::Handle::current();
        assert_eq!(h.spawn(async { 1 }).await.unwrap(), 1);
    });
    let _g = rt.handle().enter();
    assert!(runtime::Handle::try_current().is_ok());
}

#[test]
fn nested_block_on_panics_with_a_clear_message() {
    for rt in [
        runtime::Builder::new_current_thread().build().unwrap(),
        runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap(),
    ] {
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async {
                let inner = runtime::Builder::new_current_thread().build().unwrap();
                inner.block_on(async {});
            })
        }))
        .unwrap_err();
        let msg = message(&*err);
        assert!(msg.contains("inside a runtime"), "{msg}");
    }
}

#[test]
fn block_on_inside_a_task_panics_into_its_join_handle() {
    let rt = runtime::Runtime::new().unwrap();
    let err = rt
        .block_on(rt.spawn(async {
            runtime::Builder::new_current_thread()
                .build()
                .unwrap()
                .block_on(async {})
        }))
        .unwrap_err();
    assert!(err.is_panic());
    assert!(err.to_string().contains("inside a runtime"), "{err}");
}

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
fn task_builder_outside_a_runtime_is_an_error_not_a_panic() {
    let err = runtime::task::Builder::new()
        .name("x")
        .spawn(async {})
        .unwrap_err();
    assert!(err.to_string().contains("no runtime"), "{err}");
}
