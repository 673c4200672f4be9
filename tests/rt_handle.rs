//! `Handle`: `block_on`, `id`, `name`, `current` and `enter`; and calls
//! made in the wrong place (outside a runtime, or blocking inside one),
//! which get a clear error or panic, never a hang.

mod common;

use common::{assert_serving, panic_message, rt, within};

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
    let a = rt::current();
    let b = rt::multi(1);
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
    let unnamed = rt::current();
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

// ---------------------------------------------------------------- calls in the wrong place

#[test]
fn spawn_outside_a_runtime_panics_with_a_how_to() {
    let err = std::panic::catch_unwind(|| {
        runtime::spawn(async {});
    })
    .unwrap_err();
    let msg = panic_message(&*err);
    assert!(msg.contains("outside a runtime"), "{msg}");
    assert!(msg.contains("Runtime::block_on"), "{msg}");
    assert!(msg.contains("#[runtime::main]"), "{msg}");
}

#[test]
fn handle_current_outside_a_runtime() {
    assert!(runtime::Handle::try_current().is_err());
    let err = std::panic::catch_unwind(runtime::Handle::current).unwrap_err();
    let msg = panic_message(&*err);
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
    for rt in [rt::current(), rt::multi(1)] {
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async {
                let inner = rt::current();
                inner.block_on(async {});
            })
        }))
        .unwrap_err();
        let msg = panic_message(&*err);
        assert!(msg.contains("inside a runtime"), "{msg}");
    }
}

#[test]
fn block_on_inside_a_task_panics_into_its_join_handle() {
    let rt = runtime::Runtime::new().unwrap();
    let err = rt
        .block_on(rt.spawn(async { rt::current().block_on(async {}) }))
        .unwrap_err();
    assert!(err.is_panic());
    assert!(err.to_string().contains("inside a runtime"), "{err}");
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
    let rt1 = rt::current();
    let rt2 = rt::current();
    let g1 = rt1.handle().enter();
    let g2 = rt2.handle().enter();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(g1))).unwrap_err();
    let msg = panic_message(&*err);
    assert!(
        msg.contains("EnterGuard values dropped out of order"),
        "{msg}"
    );
    assert!(msg.contains("reverse order"), "{msg}");
    drop(g2);
}

#[test]
fn enter_guards_dropped_in_order_restore_the_previous_runtime() {
    let rt1 = rt::current();
    let rt2 = rt::current();
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
    let rt1 = rt::current();
    let rt2 = rt::current();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let g1 = rt1.handle().enter();
        let _g2 = rt2.handle().enter();
        let _g1 = g1; // declared last: dropped first while unwinding
        panic!("the first panic");
    }))
    .unwrap_err();
    assert_eq!(panic_message(&*err), "the first panic");
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
    let rt = rt::current();
    let inner = rt::current();
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

both_flavors!(nested_block_on_panics_saying_inside_a_runtime, |rt| {
    let inner = rt::current();
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { inner.block_on(async { 1 }) })
    }));
    let msg = panic_message(&*res.unwrap_err());
    assert!(msg.contains("inside a runtime"), "{msg}");
    // Same runtime, nested.
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { rt.block_on(async { 1 }) })
    }));
    let msg = panic_message(&*res.unwrap_err());
    assert!(msg.contains("inside a runtime"), "{msg}");
    // Both runtimes still work afterwards.
    assert_serving(&rt);
    assert_serving(&inner);
});

both_flavors!(
    block_on_inside_a_task_is_a_join_error_saying_inside_a_runtime,
    |rt| {
        within(30, move || {
            let err = rt
                .block_on(async {
                    runtime::spawn(async {
                        let inner = rt::current();
                        inner.block_on(async { 1 })
                    })
                    .await
                })
                .unwrap_err();
            assert!(err.is_panic());
            let msg = panic_message(&*err.into_panic());
            assert!(msg.contains("inside a runtime"), "{msg}");
            assert_serving(&rt);
        });
    }
);
