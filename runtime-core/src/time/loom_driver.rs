//! loom models of the timer hand-off between the worker that owns the time
//! driver (parked with a timeout) and threads inserting timers.
//!
//! loom does not model time (its `wait_timeout` never times out), so a
//! model stands in for the timeout: a parked owner "wakes by timeout" only
//! for a deadline it actually computed; any earlier timer must reach it by
//! an unpark, or loom reports the deadlock.

use super::driver::{Driver, Unpark};
use crate::loom::atomic::{fence, Ordering::SeqCst};
use crate::loom::{thread, Arc};
use crate::scheduler::idle::Idle;
use crate::scheduler::park::Parker;
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

/// Catches: a timer inserted earlier than what the owner sleeps until (or
/// inserted while no worker owns the driver) never reaching a sleeping
/// worker — the timer would fire late by up to the owner's whole timeout, or
/// never if every worker slept without one.
#[test]
fn loom_timer_insert_vs_owner_parking() {
    loom::model(|| {
        let driver = Arc::new(Driver::new(false));
        let idle = Arc::new(Idle::new(1));
        let parker = Arc::new(Parker::new());
        let waker = futures::task::noop_waker();
        // A far timer, so the worker has something to own.
        let far = driver.insert(driver.clock.start() + 2 * HOUR, &waker);
        assert!(far.0.is_some());

        let (d2, i2, p2) = (driver.clone(), idle.clone(), parker.clone());
        let inserter = thread::spawn(move || {
            let waker = futures::task::noop_waker();
            let (key, unpark) = d2.insert(d2.clock.start() + HOUR, &waker);
            assert!(key.is_some());
            match unpark {
                Unpark::Owner(w) => {
                    assert_eq!(w, 0);
                    p2.unpark();
                }
                Unpark::Anyone => {
                    fence(SeqCst);
                    if let Some(w) = i2.worker_to_notify() {
                        assert_eq!(w, 0);
                        p2.unpark();
                    }
                }
                Unpark::Nobody => {}
            }
        });

        // The worker: registers as parked, then picks its timeout.
        let _ = idle.worker_to_parked(0, false);
        let timeout = driver
            .park_timeout(0)
            .expect("a timer is queued: we own the driver");
        // The far timer is 2 h out, the inserted one 1 h: a timeout under
        // 1.5 h means we already sleep only until the inserted timer.
        if timeout < HOUR + HOUR / 2 {
            // Our timeout covers the earliest timer: the timeout wakes us
            // (which loom can't model). Nothing else must.
        } else {
            // We sleep past the inserted timer: its inserter must wake us.
            parker.park();
        }
        driver.release(0);
        inserter.join().unwrap();
    });
}

/// Catches: two workers parking at once both becoming the timer owner (both
/// would wake at every deadline: needless wake-ups) or neither.
#[test]
fn loom_exactly_one_timer_owner() {
    loom::model(|| {
        let driver = Arc::new(Driver::new(false));
        let waker = futures::task::noop_waker();
        let _ = driver.insert(driver.clock.start() + HOUR, &waker);
        let d2 = driver.clone();
        let other = thread::spawn(move || d2.park_timeout(1).is_some());
        let mine = driver.park_timeout(0).is_some();
        let theirs = other.join().unwrap();
        assert!(mine ^ theirs, "exactly one owner: {mine} {theirs}");
    });
}
