//! Timers: sleep, timeout, interval, paused time.
mod common;
use common::*;
use runtime::time::{self, Instant};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const MS: Duration = Duration::from_millis(1);

both_flavors!(sleep_sleeps_at_least_its_duration, |rt| {
    let start = std::time::Instant::now();
    rt.block_on(time::sleep(50 * MS));
    let took = start.elapsed();
    assert!(took >= 50 * MS, "woke early: {took:?}");
    assert!(took < 5000 * MS, "woke far too late: {took:?}");
});

both_flavors!(
    sleep_zero_and_past_deadlines_complete_at_their_first_poll,
    |rt| {
        rt.block_on(async {
            let waker = futures::task::noop_waker();
            let mut cx = std::task::Context::from_waker(&waker);
            for _ in 0..10 {
                for mut s in [
                    time::sleep(Duration::ZERO),
                    time::sleep_until(Instant::now()),
                    time::sleep_until(Instant::now() - 10 * MS),
                ] {
                    assert!(std::pin::Pin::new(&mut s).poll(&mut cx).is_ready());
                    assert!(s.is_elapsed());
                }
                std::thread::sleep(Duration::from_micros(300));
            }
            assert_eq!(runtime::Handle::current().metrics().num_timers(), 0);
        });
    }
);

both_flavors!(
    timeout_returns_value_or_elapsed_and_drops_slow_future,
    |rt| {
        let drops = DropCounter::default();
        rt.block_on(async {
            assert_eq!(time::timeout(5000 * MS, async { 7 }).await, Ok(7));
            let d = drops.track();
            let slow = async move {
                let _d = d;
                time::sleep(Duration::from_secs(3600)).await;
            };
            let err = time::timeout(20 * MS, slow).await.unwrap_err();
            assert_eq!(err.to_string(), "deadline has elapsed");
        });
        assert_eq!(drops.get(), 1, "the slow future is dropped on expiry");
    }
);

both_flavors!(timers_complete_in_deadline_order, |rt| {
    // Spawned in reverse order of their deadlines; each records when its
    // task ran after its timer fired.
    let woke = Arc::new(Mutex::new(Vec::new()));
    let flavor_is_current = rt.handle().metrics().num_workers() == 1;
    let deadlines = rt.block_on(async {
        let start = Instant::now();
        let deadline = move |i: u64| start + Duration::from_millis(10 + i * 3);
        let hs: Vec<_> = (0..50u64)
            .rev()
            .map(|i| {
                let woke = woke.clone();
                runtime::spawn(async move {
                    time::sleep_until(deadline(i)).await;
                    woke.lock().unwrap().push((i, Instant::now()));
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
        (0..50).map(deadline).collect::<Vec<_>>()
    });
    let woke = woke.lock().unwrap();
    assert_eq!(woke.len(), 50);
    for &(i, at) in woke.iter() {
        assert!(at >= deadlines[i as usize], "timer {i} fired early");
    }
    // One thread, FIFO: tasks run in the order their timers fired, which is
    // deadline order. With several workers, two timers that fire in one
    // batch (a loaded machine) may have their tasks run on two workers in
    // either order: deadline order of firing is the wheel's promise
    // (`time/wheel.rs` tests), not the order in which workers run tasks.
    if flavor_is_current {
        let order: Vec<u64> = woke.iter().map(|&(i, _)| i).collect();
        assert_eq!(order, (0..50).collect::<Vec<_>>());
    }
});

both_flavors!(hundred_thousand_sleeps_complete_and_memory_returns, |rt| {
    let done = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let hs: Vec<_> = (0..100_000u64)
            .map(|i| {
                let done = done.clone();
                runtime::spawn(async move {
                    time::sleep(Duration::from_millis(1 + i % 50)).await;
                    done.fetch_add(1, SeqCst);
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
    });
    assert_eq!(done.load(SeqCst), 100_000);
    assert_eq!(rt.handle().metrics().num_timers(), 0);
    assert_eq!(rt.handle().metrics().num_alive_tasks(), 0);
});

both_flavors!(dropping_pending_sleeps_leaves_the_wheel_empty, |rt| {
    rt.block_on(async {
        let mut sleeps: Vec<_> = (0..100_000u64)
            .map(|i| Box::pin(time::sleep(Duration::from_secs(60 + i))))
            .collect();
        // Register each one (first poll binds it to the runtime).
        let waker = futures::task::noop_waker();
        let mut cx = std::task::Context::from_waker(&waker);
        for s in &mut sleeps {
            assert!(s.as_mut().poll(&mut cx).is_pending());
        }
        assert_eq!(runtime::Handle::current().metrics().num_timers(), 100_000);
        drop(sleeps);
        assert_eq!(runtime::Handle::current().metrics().num_timers(), 0);
    });
});

both_flavors!(interval_ticks_evenly, |rt| {
    rt.block_on(async {
        let start = Instant::now();
        let mut iv = time::interval(20 * MS);
        let first = iv.tick().await;
        assert!(first - start < 20 * MS, "first tick is immediate");
        let mut last = first;
        for _ in 0..4 {
            let t = iv.tick().await;
            assert_eq!(t - last, 20 * MS, "ticks are scheduled one period apart");
            last = t;
        }
        assert!(start.elapsed() >= 80 * MS);
    });
});

#[test]
fn a_timer_fires_while_every_worker_is_parked() {
    let rt = rt::multi(2);
    let m = rt.handle().metrics();
    // Let both workers go to sleep.
    wait_until(|| (0..2).all(|i| m.worker_park_count(i) >= 1));
    let (tx, rx) = std::sync::mpsc::channel();
    rt.spawn(async move {
        time::sleep(30 * MS).await;
        tx.send(std::time::Instant::now()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("timer never fired");
}

#[test]
fn a_timer_set_from_block_on_fires_with_idle_workers() {
    let rt = rt::multi(2);
    let m = rt.handle().metrics();
    wait_until(|| (0..2).all(|i| m.worker_park_count(i) >= 1));
    let start = std::time::Instant::now();
    rt.block_on(time::sleep(40 * MS));
    assert!(start.elapsed() >= 40 * MS);
}

#[test]
fn idle_workers_with_a_far_timer_do_not_spin() {
    let rt = rt::multi(2);
    let m = rt.handle().metrics();
    rt.spawn(time::sleep(Duration::from_secs(3600)));
    std::thread::sleep(200 * MS);
    let parks = |m: &runtime::RuntimeMetrics| (0..2).map(|i| m.worker_park_count(i)).sum::<u64>();
    let before = parks(&m);
    std::thread::sleep(300 * MS);
    let after = parks(&m);
    // A spinning or ping-ponging worker would park thousands of times.
    assert!(
        after - before <= 4,
        "workers woke {} times while idle",
        after - before
    );
}

#[test]
fn paused_clock_skips_an_hour_in_no_time() {
    let rt = rt::paused();
    let wall = std::time::Instant::now();
    rt.block_on(async {
        let start = Instant::now();
        time::sleep(Duration::from_secs(3600)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(3600));
        // Timeouts follow the virtual clock too.
        let slow = time::sleep(Duration::from_secs(7200));
        assert!(time::timeout(Duration::from_secs(60), slow).await.is_err());
    });
    assert!(
        wall.elapsed() < Duration::from_secs(1),
        "{:?}",
        wall.elapsed()
    );
}

#[test]
fn pause_and_advance_by_hand() {
    let rt = rt::current();
    rt.block_on(async {
        time::pause();
        let start = Instant::now();
        let fired = Arc::new(AtomicUsize::new(0));
        let f = fired.clone();
        runtime::spawn(async move {
            time::sleep(Duration::from_secs(10)).await;
            f.fetch_add(1, SeqCst);
        });
        runtime::task::yield_now().await; // let it register its timer
        time::advance(Duration::from_secs(9)).await;
        assert_eq!(fired.load(SeqCst), 0);
        time::advance(Duration::from_secs(1)).await;
        runtime::task::yield_now().await;
        assert_eq!(fired.load(SeqCst), 1);
        assert_eq!(start.elapsed(), Duration::from_secs(10));
        time::resume();
    });
}

#[test]
fn start_paused_on_multi_thread_is_an_error() {
    let err = runtime::Builder::new_multi_thread()
        .start_paused(true)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("current-thread"), "{err}");
}

#[test]
fn sleep_outside_a_runtime_panics_when_polled_not_when_created() {
    let s = time::sleep(MS); // creating it is fine
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        futures::executor::block_on(s)
    }))
    .unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.contains("needs a runtime"), "{msg}");
}

/// Hand-made wakers whose `clone` or `drop` panics: user code the timer
/// driver calls when it stores or discards a task's waker.
mod bad_waker {
    use std::task::{RawWaker, RawWakerVTable, Waker};

    fn noop(_: *const ()) {}
    fn panic_on_clone(_: *const ()) -> RawWaker {
        panic!("this waker's clone panics")
    }
    fn clone_into_panic_on_drop(_: *const ()) -> RawWaker {
        RawWaker::new(std::ptr::null(), &PANICS_ON_DROP)
    }
    fn panic_on_drop(_: *const ()) {
        if !std::thread::panicking() {
            panic!("this waker's drop panics")
        }
    }

    static PANICS_ON_CLONE: RawWakerVTable = RawWakerVTable::new(panic_on_clone, noop, noop, noop);
    /// Clones fine, but the clone panics when dropped.
    static CLONES_PANIC_ON_DROP: RawWakerVTable =
        RawWakerVTable::new(clone_into_panic_on_drop, noop, noop, noop);
    static PANICS_ON_DROP: RawWakerVTable =
        RawWakerVTable::new(clone_into_panic_on_drop, noop, noop, panic_on_drop);

    pub fn clone_panics() -> Waker {
        // SAFETY: the vtable's functions ignore the (null) data pointer and
        // never touch memory, so every RawWaker contract holds trivially.
        unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &PANICS_ON_CLONE)) }
    }

    pub fn clones_panic_on_drop() -> Waker {
        // SAFETY: as above.
        unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &CLONES_PANIC_ON_DROP)) }
    }
}

both_flavors!(
    a_waker_that_panics_in_clone_or_drop_does_not_break_timers,
    |rt| {
        use std::panic::{catch_unwind, AssertUnwindSafe};
        use std::task::{Context, Poll};
        rt.block_on(async {
            // Its first poll stores a clone of the waker in the timer wheel.
            let mut s = Box::pin(time::sleep(Duration::from_secs(3600)));
            let waker = bad_waker::clone_panics();
            let polled = catch_unwind(AssertUnwindSafe(|| {
                s.as_mut().poll(&mut Context::from_waker(&waker))
            }));
            assert!(polled.is_err(), "the clone's panic reaches the poller");
            drop(s);

            // The wheel keeps a clone that panics when the timer drops it.
            let mut s = Box::pin(time::sleep(Duration::from_secs(3600)));
            let waker = bad_waker::clones_panic_on_drop();
            let polled = s.as_mut().poll(&mut Context::from_waker(&waker));
            assert_eq!(polled, Poll::Pending);
            let dropped = catch_unwind(AssertUnwindSafe(move || drop(s)));
            assert!(dropped.is_err(), "the drop's panic reaches the dropper");

            // Later timers still work.
            time::sleep(MS).await;
            time::timeout(MS, std::future::pending::<()>())
                .await
                .unwrap_err();
        });
        assert_eq!(rt.handle().metrics().num_timers(), 0);
    }
);

// ---- timers beyond the wheel's span (2^36 ms, about 2.18 years) ------------

const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);

#[test]
fn a_sleep_three_years_long_does_not_fire_early() {
    let wall = std::time::Instant::now();
    rt::paused().block_on(async {
        let start = Instant::now();
        time::sleep_until(start + 3 * YEAR).await;
        assert_eq!(start.elapsed(), 3 * YEAR, "fired early or late");
        // And one that a paused clock reaches by hand, in small steps.
        let s = runtime::spawn(time::sleep(3 * YEAR));
        runtime::task::yield_now().await;
        for _ in 0..5 {
            time::advance(YEAR / 2).await;
            assert!(!s.is_finished(), "fired after {:?}", start.elapsed());
        }
        time::advance(YEAR / 2).await;
        s.await.unwrap();
    });
    assert!(
        wall.elapsed() < Duration::from_secs(30),
        "{:?}",
        wall.elapsed()
    );
}

#[test]
fn a_timeout_of_duration_max_never_elapses() {
    rt::paused().block_on(async {
        let start = Instant::now();
        let forever = time::timeout(Duration::MAX, std::future::pending::<()>());
        // Whichever elapses first wins: it must be the 5-year one.
        let outer = time::timeout(5 * YEAR, forever).await;
        assert!(
            outer.is_err(),
            "the Duration::MAX timeout elapsed: {outer:?}"
        );
        assert_eq!(start.elapsed(), 5 * YEAR);
    });
}

#[test]
fn timers_keep_working_after_three_years_of_uptime() {
    rt::paused().block_on(async {
        time::advance(3 * YEAR).await;
        let start = Instant::now();
        time::sleep(10 * MS).await;
        assert_eq!(start.elapsed(), 10 * MS, "fired early or late");
        let err = time::timeout(Duration::from_secs(5), time::sleep(Duration::from_secs(60)))
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "deadline has elapsed");
        assert_eq!(start.elapsed(), 10 * MS + Duration::from_secs(5));
        let mut every = time::interval(Duration::from_secs(1));
        let first = every.tick().await;
        assert_eq!(every.tick().await - first, Duration::from_secs(1));
        // A sleep longer than the wheel's span, started late in life.
        let start = Instant::now();
        time::sleep(3 * YEAR).await;
        assert_eq!(start.elapsed(), 3 * YEAR);
    });
}

both_flavors!(an_interval_of_duration_max_ticks_once_then_waits, |rt| {
    use runtime::time::MissedTickBehavior::*;
    rt.block_on(async {
        for behavior in [Burst, Delay, Skip] {
            let mut every = time::interval(Duration::MAX);
            every.set_missed_tick_behavior(behavior);
            every.tick().await; // the first tick is immediate
            let second = time::timeout(10 * MS, every.tick()).await;
            assert!(second.is_err(), "{behavior:?}: ticked again");
        }
    });
});

both_flavors!(
    a_timeout_fires_even_if_its_future_spends_the_whole_budget,
    |rt| {
        // Each `sleep_until(past)` is ready at once and spends one unit of
        // the task's cooperative budget, so the inner future always ends a
        // poll with the budget at zero. The timeout must still see its
        // deadline.
        let out = within(60, move || {
            rt.block_on(async {
                let past = Instant::now();
                let busy = async move {
                    loop {
                        time::sleep_until(past).await;
                    }
                };
                time::timeout(20 * MS, busy).await
            })
        });
        assert!(out.is_err());
    }
);

#[test]
fn interval_resets_move_the_next_tick_and_keep_the_period() {
    rt::paused().block_on(async {
        let start = Instant::now();
        let mut every = time::interval(Duration::from_secs(10));
        assert_eq!(every.tick().await, start, "the first tick is immediate");

        // reset: the next tick is one period from now.
        time::sleep(Duration::from_secs(4)).await;
        every.reset();
        assert_eq!(every.tick().await - start, Duration::from_secs(14));
        assert_eq!(every.tick().await - start, Duration::from_secs(24));

        // reset_immediately: the next tick is now.
        time::sleep(Duration::from_secs(3)).await;
        every.reset_immediately();
        assert_eq!(every.tick().await - start, Duration::from_secs(27));
        assert_eq!(every.tick().await - start, Duration::from_secs(37));

        // reset_after: the next tick is that long from now.
        every.reset_after(Duration::from_secs(1));
        assert_eq!(every.tick().await - start, Duration::from_secs(38));
        assert_eq!(every.tick().await - start, Duration::from_secs(48));

        // reset_at: at that instant, even one in the past (then at once).
        every.reset_at(start + Duration::from_secs(100));
        assert_eq!(every.tick().await - start, Duration::from_secs(100));
        every.reset_at(start);
        assert_eq!(every.tick().await, start, "a past deadline ticks at once");
        assert_eq!(Instant::now() - start, Duration::from_secs(100));
    });
}
