mod common;

both_flavors!(panic_is_returned_through_the_join_handle, |rt| {
    rt.block_on(async {
        let h = runtime::spawn(async {
            panic!("boom");
        });
        let err = h.await.unwrap_err();
        assert!(err.is_panic());
        assert!(!err.is_cancelled());
        assert!(err.to_string().contains("boom"), "{err}");
        let payload = err.into_panic();
        assert_eq!(*payload.downcast::<&str>().unwrap(), "boom");
    });
});

#[test]
fn worker_survives_a_panicking_task() {
    // One worker: if the panic killed it, nothing would run afterwards.
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    rt.block_on(async {
        for i in 0..10 {
            let bad = runtime::spawn(async move { panic!("task {i} failed") });
            assert!(bad.await.unwrap_err().is_panic());
            let good = runtime::spawn(async move { i });
            assert_eq!(good.await.unwrap(), i);
        }
    });
}

both_flavors!(panic_in_drop_after_abort_is_contained, |rt| {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("drop failed");
        }
    }
    rt.block_on(async {
        let p = PanicOnDrop;
        let h = runtime::spawn(async move {
            let _p = p;
            std::future::pending::<()>().await
        });
        runtime::task::yield_now().await;
        h.abort();
        let err = h.await.unwrap_err();
        assert!(
            err.is_panic(),
            "a destructor panic is reported as the task's panic"
        );
        assert_eq!(runtime::spawn(async { 1 }).await.unwrap(), 1);
    });
});

both_flavors!(detached_panicking_task_does_not_disturb_others, |rt| {
    rt.block_on(async {
        drop(runtime::spawn(async { panic!("nobody is listening") }));
        for _ in 0..10 {
            runtime::task::yield_now().await;
        }
        assert_eq!(runtime::spawn(async { 2 }).await.unwrap(), 2);
    });
});

both_flavors!(join_error_says_which_task_panicked_and_its_message, |rt| {
    rt.block_on(async {
        // A payload that is not a string: the id, and no invented message.
        let h = runtime::spawn(async { std::panic::panic_any(42_u32) });
        let id = h.id();
        let err = h.await.unwrap_err();
        assert_eq!(err.to_string(), format!("task {id} panicked"));
        assert_eq!(format!("{err:?}"), format!("JoinError::Panic({id:?}, ...)"));

        // A string payload: its message too.
        let h = runtime::spawn(async { panic!("boom") });
        let id = h.id();
        let err = h.await.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("task {id} panicked with message \"boom\"")
        );
        assert_eq!(
            format!("{err:?}"),
            format!("JoinError::Panic({id:?}, \"boom\", ...)")
        );

        // A blocking job reports the same way.
        let h = runtime::spawn_blocking(|| std::panic::panic_any(42_u32));
        let id = h.id();
        let err = h.await.unwrap_err();
        assert_eq!(err.to_string(), format!("task {id} panicked"));
    });
});
