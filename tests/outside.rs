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

#[test]
fn enter_guards_dropped_out_of_order_panic_with_a_clear_message() {
    let rt1 = runtime::Builder::new_current_thread().build().unwrap();
    let rt2 = runtime::Builder::new_current_thread().build().unwrap();
    let g1 = rt1.handle().enter();
    let g2 = rt2.handle().enter();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(g1))).unwrap_err();
    let msg = message(&*err);
    assert!(
        msg.contains("EnterGuard values dropped out of order"),
        "{msg}"
    );
    assert!(msg.contains("reverse order"), "{msg}");
    drop(g2);
}

#[test]
fn enter_guards_dropped_in_order_restore_the_previous_runtime() {
    let rt1 = runtime::Builder::new_current_thread().build().unwrap();
    let rt2 = runtime::Builder::new_current_thread().build().unwrap();
    {
        let _g1 = rt1.handle().enter();
        {
            let _g2 = rt2.handle().enter();
            let h = runtime::Handle::current();
            assert_eq!(format!("{h:?}"), format!("{:?}", rt2.handle()));
        }
        // rt1 is current again: a task spawned now runs on it.
        let task = runtime::spawn(async { 1 });
        assert_eq!(rt1.block_on(task).unwrap(), 1);
    }
    assert!(runtime::Handle::try_current().is_err());
}

#[test]
fn an_enter_guard_dropped_while_panicking_does_not_abort() {
    // Out of order, but during a panic's unwinding: a second panic would
    // abort the process, so the guard says nothing and the first panic
    // comes through.
    let rt1 = runtime::Builder::new_current_thread().build().unwrap();
    let rt2 = runtime::Builder::new_current_thread().build().unwrap();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let g1 = rt1.handle().enter();
        let _g2 = rt2.handle().enter();
        let _g1 = g1; // declared last: dropped first while unwinding
        panic!("the first panic");
    }))
    .unwrap_err();
    assert_eq!(message(&*err), "the first panic");
}

#[test]
fn nested_block_on_panics_at_the_callers_line() {
    use std::cell::RefCell;
    thread_local! {
        static LOCATION: RefCell<Option<(String, u32)>> = const { RefCell::new(None) };
    }
    // Records where this thread's panics happen, then reports them as
    // before (left installed: it changes nothing for the other tests).
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if let Some(loc) = info.location() {
            LOCATION.with(|l| *l.borrow_mut() = Some((loc.file().to_string(), loc.line())));
        }
        previous(info);
    }));
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    let inner = runtime::Builder::new_current_thread().build().unwrap();
    let line = line!() + 2;
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { inner.block_on(async {}) })
    }));
    assert!(err.is_err());
    let (file, at) = LOCATION.with(|l| l.borrow_mut().take()).unwrap();
    assert_eq!(
        (file.as_str(), at),
        (file!(), line),
        "panicked at {file}:{at}"
    );
}
