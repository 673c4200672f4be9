//! `task_local!`: a value set for one future's polls, invisible elsewhere.

mod common;

use common::{panic_message, rt};
use runtime::task;
use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};

runtime::task_local! {
    static NAME: String;
    static DEPTH: u32;
}

both_flavors!(scope_sets_the_value_only_while_its_future_is_polled, |rt| {
    rt.block_on(async {
        let inside = runtime::spawn(NAME.scope("a".to_string(), async {
            for _ in 0..100 {
                assert_eq!(NAME.get(), "a");
                task::yield_now().await;
            }
        }));
        let outside = runtime::spawn(async {
            for _ in 0..100 {
                assert!(NAME.try_with(|_| ()).is_err(), "leaked out of its scope");
                task::yield_now().await;
            }
        });
        inside.await.unwrap();
        outside.await.unwrap();
        assert!(NAME.try_with(|_| ()).is_err());
    });
});

both_flavors!(
    nested_scopes_see_the_innermost_value_and_restore_the_outer,
    |rt| {
        rt.block_on(DEPTH.scope(1, async {
            assert_eq!(DEPTH.get(), 1);
            DEPTH
                .scope(2, async {
                    task::yield_now().await;
                    assert_eq!(DEPTH.get(), 2);
                    assert_eq!(DEPTH.sync_scope(3, || DEPTH.get()), 3);
                    assert_eq!(DEPTH.get(), 2);
                })
                .await;
            assert_eq!(DEPTH.get(), 1);
        }));
    }
);

#[test]
fn a_panicking_poll_still_restores_the_slot() {
    struct Boom;
    impl Future for Boom {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            assert_eq!(DEPTH.get(), 7);
            panic!("boom");
        }
    }
    let rt = rt::current();
    rt.block_on(DEPTH.scope(1, async {
        let mut scoped = pin!(DEPTH.scope(7, Boom));
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut cx = Context::from_waker(std::task::Waker::noop());
            let _ = scoped.as_mut().poll(&mut cx);
        }));
        assert_eq!(panic_message(&*r.unwrap_err()), "boom");
        assert_eq!(DEPTH.get(), 1, "the outer value is back after the panic");
    }));
    assert!(DEPTH.try_with(|_| ()).is_err());
}

#[test]
fn a_scoped_future_is_dropped_inside_its_scope() {
    struct SeesValue(std::sync::Arc<std::sync::atomic::AtomicU32>);
    impl Drop for SeesValue {
        fn drop(&mut self) {
            let v = DEPTH.try_with(|d| *d).unwrap_or(0);
            self.0.store(v, std::sync::atomic::Ordering::SeqCst);
        }
    }
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(u32::MAX));
    let guard = SeesValue(seen.clone());
    let fut = DEPTH.scope(5, async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    });
    let rt = rt::current();
    let r = rt.block_on(runtime::time::timeout(
        std::time::Duration::from_millis(1),
        fut,
    ));
    assert!(r.is_err());
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 5);
}

#[test]
fn with_outside_a_scope_panics_and_try_with_errs() {
    let e = DEPTH.try_with(|_| ()).unwrap_err();
    assert_eq!(e.to_string(), "task-local value not set");
    let r = std::panic::catch_unwind(|| DEPTH.with(|d| *d));
    assert!(panic_message(&*r.unwrap_err())
        .contains("cannot access a task-local storage value without setting it first"));
}

#[test]
fn entering_a_scope_inside_its_own_with_panics() {
    let r = std::panic::catch_unwind(|| {
        DEPTH.sync_scope(1, || DEPTH.with(|_| DEPTH.sync_scope(2, || ())));
    });
    assert!(panic_message(&*r.unwrap_err()).contains("while the task-local storage is borrowed"));
    assert!(
        DEPTH.try_with(|_| ()).is_err(),
        "the unwind restored the slot"
    );
}

#[test]
fn take_value_returns_the_scope_value() {
    let rt = rt::current();
    rt.block_on(async {
        let mut scoped = pin!(NAME.scope("v".to_string(), async { NAME.get() }));
        assert_eq!(scoped.as_mut().await, "v");
        assert_eq!(scoped.as_mut().take_value().as_deref(), Some("v"));
        assert_eq!(scoped.as_mut().take_value(), None);
    });
}
