//! loom models of the worker park/unpark protocol ([`crate::scheduler::multi_thread::idle`]), calling the
//! product's own functions on a real `Shared`: `push_remote`, the last
//! searcher's `recheck_as_last_searcher`, and the park loop
//! (`register_parked` + `sleep_until_unparked`, which sleeps on the driver's
//! loom stand-in poller or on the condvar). Under loom the run queues' length
//! is read without their lock ([`crate::scheduler::queue`]), so only the protocol's SeqCst
//! fences order a push before the re-check that must see it.

use crate::loom::{thread, Arc};
use crate::scheduler::multi_thread::{Shared, Unparked};
use crate::scheduler::queue::Local;
use crate::scheduler::{Config, Flavor};
use crate::task::{self, JoinHandle, Meta, Notified};

fn config() -> Config {
    Config::new(Flavor::MultiThread, runtime_blocking::BlockingPool::new(1))
}

/// A real `Shared` with `workers` workers (also for `loom_block_in_place`).
pub(super) fn shared(workers: usize) -> Arc<Shared> {
    Shared::new(workers, config()).unwrap()
}

/// A real task of `shared`, and the `Notified` to queue. Spawned as from
/// outside the workers, its registry reference waits on the arrival list
/// ([`crate::task::registry`]) until a worker adopts it; a model that runs no
/// worker loop ends by closing the registry (`close_and_shutdown`), as a
/// runtime's shutdown does, or loom reports the completed task's cell
/// leaked.
pub(super) fn task(shared: &Arc<Shared>) -> (JoinHandle<()>, Notified) {
    let meta = Meta {
        name: None,
        spawned_at: std::panic::Location::caller(),
    };
    let shard = shared.common.registry.shared_shard();
    let (join, n) = task::spawn(
        async {},
        shared.clone(),
        &shared.common.registry,
        shard,
        meta,
    );
    (join, n.unwrap())
}

/// Catches a lost wake-up: work pushed to the injector just as the last
/// searching worker decides to park. Without either fence (the push's, or
/// the last searcher's before its re-check) or without the re-check, the
/// worker sleeps forever with a task queued, and loom reports the deadlock.
#[test]
fn loom_push_vs_last_searcher_parking() {
    loom::model(|| {
        let s = shared(1);
        assert!(s.idle.worker_to_searching());
        let (join, t) = task(&s);
        let s2 = s.clone();
        let pusher = thread::spawn(move || s2.push_remote(t));
        // The worker found nothing and parks as the last searcher.
        let left = s.park_worker(0, true, || false);
        assert_eq!(left, Unparked::Searching);
        pusher.join().unwrap();
        s.inject
            .pop()
            .expect("the pushed task is still there")
            .run();
        assert!(join.is_finished());
        s.common.registry.close_and_shutdown();
    });
}

/// Catches a lost wake-up when the last searcher *finds* work: a push made
/// while it still counted as searching woke nobody, so unless it re-checks
/// the queues after it stops searching (behind its fence), that task waits
/// with the other worker asleep (loom reports the deadlock). Worker 0 stays
/// busy with the work it found; worker 1 is parked.
#[test]
fn loom_push_vs_last_searcher_finding_work() {
    loom::model(|| {
        let s = shared(2);
        s.register_parked(1, false);
        assert!(s.idle.worker_to_searching());
        let (join, t) = task(&s);
        let s2 = s.clone();
        let pusher = thread::spawn(move || s2.push_remote(t));
        let s3 = s.clone();
        let worker0 = thread::spawn(move || {
            // Found work elsewhere; stops searching to run it.
            if s3.idle.worker_from_searching() {
                s3.recheck_as_last_searcher();
            }
        });
        // Worker 1: sleeps until a notifier claims it, then takes the task.
        let left = s.sleep_until_unparked(1, || false);
        assert_eq!(left, Unparked::Searching);
        s.inject.pop().expect("woken for the pushed task").run();
        pusher.join().unwrap();
        worker0.join().unwrap();
        assert!(join.is_finished());
        s.common.registry.close_and_shutdown();
    });
}

/// Catches: two pushes racing each other waking two workers for one piece of
/// work (thundering herd), or none (a lost wake-up).
#[test]
fn loom_two_pushes_wake_exactly_one_sleeper() {
    loom::model(|| {
        let s = shared(2);
        // Both workers parked, neither searching.
        s.register_parked(0, false);
        s.register_parked(1, false);
        let (j1, t1) = task(&s);
        let (j2, t2) = task(&s);
        let pushers: Vec<_> = [t1, t2]
            .into_iter()
            .map(|t| {
                let s = s.clone();
                thread::spawn(move || s.push_remote(t))
            })
            .collect();
        for p in pushers {
            p.join().unwrap();
        }
        // The first woken worker counts as searching, so the second push
        // relies on it instead of waking another.
        let woken: Vec<usize> = (0..2).filter(|&i| !s.idle.is_parked(i)).collect();
        assert_eq!(woken.len(), 1, "woken: {woken:?}");
        while let Some(t) = s.inject.pop() {
            t.run();
        }
        assert!(j1.is_finished() && j2.is_finished());
        s.common.registry.close_and_shutdown();
    });
}

/// Catches: a thief stealing from a queue while its owner pushes and pops
/// losing or duplicating a task (each task runs exactly once).
#[test]
fn loom_steal_vs_owner() {
    loom::model(|| {
        let s = shared(1);
        let owner = Local::new();
        let thief_q = Local::new();
        let mut joins = Vec::new();
        let mut push = |q: &Local| {
            let (j, t) = task(&s);
            joins.push(j);
            q.push(t);
        };
        push(&owner);
        push(&owner);
        let stealer = owner.stealer();
        let th = thread::spawn(move || {
            let mut got = 0;
            if let Some(t) = stealer.steal_into(&thief_q) {
                t.run();
                got += 1;
            }
            while let Some(t) = thief_q.pop() {
                t.run();
                got += 1;
            }
            got
        });
        push(&owner);
        let mut mine = 0;
        while let Some(t) = owner.pop() {
            t.run();
            mine += 1;
        }
        let stolen = th.join().unwrap();
        assert_eq!(mine + stolen, 3);
        assert!(joins.iter().all(JoinHandle::is_finished));
        s.common.registry.close_and_shutdown();
    });
}

/// Catches: a timer inserted earlier than what the worker parked on the
/// driver sleeps until, or inserted while nobody is parked on it, never
/// reaching a sleeping worker — the timer would fire late by up to the
/// sleeper's whole timeout, or never if every worker slept without one.
/// The inserter does what `Sleep` does (`insert`, then `unpark_for_timer`).
/// loom does not model time: the stand-in poller returns at once from a
/// timed poll and records its timeout, so the check is: the worker either
/// slept only until the new timer, or was woken (through the driver, or
/// claimed by a notify).
#[test]
fn loom_timer_insert_vs_driver_parking() {
    use crate::scheduler::Handle;
    use std::time::Duration;
    const HOUR: Duration = Duration::from_secs(3600);
    loom::model(|| {
        let s = shared(1);
        let waker = futures::task::noop_waker();
        let start = s.common.driver.time.clock.start();
        // A far timer, so the worker has something to sleep until.
        let (far, _) =
            s.common
                .driver
                .time
                .insert(start + 2 * HOUR, &waker, std::panic::Location::caller());
        assert!(far.is_some());
        let s2 = s.clone();
        let inserter = thread::spawn(move || {
            let waker = futures::task::noop_waker();
            let (key, unpark) =
                s2.common
                    .driver
                    .time
                    .insert(start + HOUR, &waker, std::panic::Location::caller());
            assert!(key.is_some());
            Handle::Multi(s2).unpark_for_timer(unpark);
        });
        // The worker: parks (on the driver, since nobody else holds it).
        s.register_parked(0, false);
        s.remotes[0].parker.park_on(&s.common.driver, None);
        inserter.join().unwrap();
        let (unparks, last) = s.common.driver.io.observed();
        // `None`: it never slept (a notify's token came first).
        let slept_only_until_new_timer = matches!(last, Some(Some(t)) if t < HOUR + HOUR / 2);
        let claimed = !s.idle.is_parked(0);
        assert!(
            slept_only_until_new_timer || unparks > 0 || claimed,
            "slept ({last:?}) past the inserted timer, and nobody woke it"
        );
    });
}

/// Catches: an unpark racing a worker that is about to sleep in the
/// driver's poller being lost — if the parker did not publish
/// `PARKED_DRIVER` before it polls, or the unpark did not wake the poller
/// (a `mio::Waker` write) for that state, the worker sleeps forever.
#[test]
fn loom_unpark_vs_park_on_driver() {
    loom::model(|| {
        let s = shared(1);
        let s2 = s.clone();
        let t = thread::spawn(move || s2.unpark_worker(0));
        s.remotes[0].parker.park_on(&s.common.driver, None);
        t.join().unwrap();
    });
}
