//! A waker's own code (`clone`, `drop`) runs with no lock of the handle held:
//! a `clone` that panics does not poison the handle, and one that looks at
//! the handle does not deadlock.
#![cfg(not(loom))]

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::time::{Duration, Instant};

use runtime_blocking::{BlockingHandle, BlockingPool};

/// What a [`hooked_waker`] does: counts its wakes, runs `on_clone` first
/// thing in every clone.
struct Hooks {
    wakes: AtomicUsize,
    on_clone: Box<dyn Fn() + Send + Sync>,
}

const VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

fn hooked_waker(hooks: Arc<Hooks>) -> Waker {
    let raw = RawWaker::new(Arc::into_raw(hooks).cast(), &VTABLE);
    // SAFETY: `raw` owns one strong count of an `Arc<Hooks>`, and every
    // vtable function treats its data pointer as exactly that.
    unsafe { Waker::from_raw(raw) }
}

unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: `data` is a live `Arc<Hooks>` (the waker being cloned holds a
    // count); the hook runs before the new count is taken, so a panic in it
    // leaks nothing.
    unsafe {
        ((*data.cast::<Hooks>()).on_clone)();
        Arc::increment_strong_count(data.cast::<Hooks>());
    }
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: `wake` consumes the waker, and with it its count.
    let hooks = unsafe { Arc::from_raw(data.cast::<Hooks>()) };
    hooks.wakes.fetch_add(1, SeqCst);
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: the waker is borrowed, so its count keeps `data` alive.
    unsafe { (*data.cast::<Hooks>()).wakes.fetch_add(1, SeqCst) };
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: dropping the waker gives back its count.
    drop(unsafe { Arc::from_raw(data.cast::<Hooks>()) });
}

fn poll<R>(h: &mut BlockingHandle<R>, w: &Waker) -> Poll<Result<R, runtime_blocking::JoinError>> {
    Pin::new(h).poll(&mut Context::from_waker(w))
}

/// A job that runs until `release` is sent.
fn blocked_job(pool: &BlockingPool) -> (BlockingHandle<u32>, mpsc::Sender<()>) {
    let (release, wait) = mpsc::channel::<()>();
    (pool.spawn(move || wait.recv().map_or(0, |()| 5)), release)
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "{what}: not after 30 s");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_waker_whose_clone_panics_does_not_poison_the_handle() {
    let pool = BlockingPool::new(1);
    let (mut h, release) = blocked_job(&pool);
    let bad = hooked_waker(Arc::new(Hooks {
        wakes: AtomicUsize::new(0),
        on_clone: Box::new(|| panic!("clone refused")),
    }));
    let err = catch_unwind(AssertUnwindSafe(|| poll(&mut h, &bad))).unwrap_err();
    assert_eq!(err.downcast_ref::<&str>(), Some(&"clone refused"));

    // The handle works on: it polls, is woken once, and yields the value.
    let good = Arc::new(Hooks {
        wakes: AtomicUsize::new(0),
        on_clone: Box::new(|| {}),
    });
    let waker = hooked_waker(good.clone());
    assert!(poll(&mut h, &waker).is_pending());
    assert!(!h.is_finished());
    release.send(()).unwrap();
    wait_for("the wake", || good.wakes.load(SeqCst) == 1);
    assert!(matches!(poll(&mut h, &waker), Poll::Ready(Ok(5))));
    assert_eq!(good.wakes.load(SeqCst), 1);
    assert!(pool.shutdown_timeout(Duration::from_secs(30)));
}

#[test]
fn a_waker_clone_may_look_at_the_handle() {
    let pool = BlockingPool::new(1);
    let (mut h, release) = blocked_job(&pool);
    let abort = h.abort_handle();
    let looked = Arc::new(AtomicUsize::new(0));
    let l = looked.clone();
    let hooks = Arc::new(Hooks {
        wakes: AtomicUsize::new(0),
        // Takes the handle's lock: a deadlock if `poll` holds it.
        on_clone: Box::new(move || {
            assert!(!abort.is_finished());
            l.fetch_add(1, SeqCst);
        }),
    });
    let waker = hooked_waker(hooks.clone());
    // On its own thread, so that a deadlock fails the test instead of hanging.
    let (done_tx, done) = mpsc::channel();
    std::thread::spawn(move || {
        let first = poll(&mut h, &waker).is_pending();
        done_tx.send((h, waker, first)).unwrap();
    });
    let (mut h, waker, first) = done
        .recv_timeout(Duration::from_secs(30))
        .expect("poll deadlocked: the waker was cloned under the handle's lock");
    assert!(first);
    assert_eq!(looked.load(SeqCst), 1);
    release.send(()).unwrap();
    wait_for("the wake", || hooks.wakes.load(SeqCst) == 1);
    assert!(matches!(poll(&mut h, &waker), Poll::Ready(Ok(5))));
    assert!(pool.shutdown_timeout(Duration::from_secs(30)));
}
