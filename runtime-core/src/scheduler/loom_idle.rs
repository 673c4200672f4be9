//! loom models of the worker park/unpark protocol (`idle.rs`) and the queues.

use super::idle::Idle;
use super::park::Parker;
use super::queue::{Inject, Local};
use crate::loom::atomic::{fence, Ordering::SeqCst};
use crate::loom::{thread, Arc, Mutex};
use crate::task::{spawn, Meta, Notified, RawTask, Registry, Schedule, Task};

/// A scheduler for making real `Notified`s; nothing here schedules them.
struct Null(Registry);

impl Schedule for Null {
    fn schedule(&self, task: Notified, _: bool) {
        drop(task);
    }
    fn release(&self, task: RawTask) -> Option<Task> {
        self.0.remove(task)
    }
}

fn notified(s: &Arc<Null>) -> Notified {
    let meta = Meta {
        name: None,
        spawned_at: std::panic::Location::caller(),
    };
    let (join, n) = spawn(async {}, s.clone(), &s.0, meta);
    drop(join);
    n.unwrap()
}

fn finish(task: Notified) {
    task.run();
}

/// The one sleeper, worker `sleeper`, with its parker and the injector both
/// models push to.
#[derive(Clone)]
struct Setup {
    idle: Arc<Idle>,
    parker: Arc<Parker>,
    inject: Arc<Inject>,
    sleeper: usize,
}

impl Setup {
    /// What a notifier does once work is visible: wake the sleeper if
    /// nobody is searching.
    fn notify(&self) {
        if let Some(i) = self.idle.worker_to_notify() {
            assert_eq!(i, self.sleeper);
            self.parker.unpark();
        }
    }

    /// A push from outside the workers, as `push_remote` does it.
    fn push(&self, task: Notified) {
        self.inject.push(task);
        fence(SeqCst);
        self.notify();
    }

    /// The last searcher's re-check after it stopped searching.
    fn recheck(&self) {
        fence(SeqCst);
        if !self.inject.is_empty() {
            self.notify();
        }
    }

    /// As the real worker: sleep until a notifier claims the sleeper.
    fn park_until_claimed(&self) {
        loop {
            self.parker.park();
            if !self.idle.is_parked(self.sleeper) {
                break;
            }
        }
    }
}

fn setup(workers: usize, sleeper: usize) -> Setup {
    Setup {
        idle: Arc::new(Idle::new(workers)),
        parker: Arc::new(Parker::new()),
        inject: Arc::new(Inject::new()),
        sleeper,
    }
}

/// Catches a lost wake-up: work pushed to the injector just as the last
/// searching worker decides to park. Without the fences (or the last
/// searcher's re-check) the worker sleeps forever with a task queued, and
/// loom reports the deadlock.
#[test]
fn loom_push_vs_last_searcher_parking() {
    loom::model(|| {
        let s = Arc::new(Null(Registry::new(1)));
        let w = setup(1, 0);
        assert!(w.idle.worker_to_searching());

        let task = notified(&s);
        let other = w.clone();
        let pusher = thread::spawn(move || other.push(task));

        // The worker: found nothing, parks as the last searcher.
        if w.idle.worker_to_parked(0, true) {
            w.recheck();
        }
        w.park_until_claimed();
        pusher.join().unwrap();
        finish(w.inject.pop().expect("the pushed task is still there"));
    });
}

/// Catches a lost wake-up when the last searcher *finds* work: a push made
/// while it still counted as searching woke nobody, so unless it re-checks
/// the queues after it stops searching, that task waits with the other
/// worker asleep (loom reports the deadlock). Worker 0 stays busy with the
/// work it found; worker 1 is parked.
#[test]
fn loom_push_vs_last_searcher_finding_work() {
    loom::model(|| {
        let s = Arc::new(Null(Registry::new(1)));
        let w = setup(2, 1);
        assert!(!w.idle.worker_to_parked(1, false));
        assert!(w.idle.worker_to_searching());

        let task = notified(&s);
        let other = w.clone();
        let pusher = thread::spawn(move || other.push(task));
        let other = w.clone();
        let worker0 = thread::spawn(move || {
            // Found work elsewhere; stops searching to run it.
            if other.idle.worker_from_searching() {
                other.recheck();
            }
        });
        // Worker 1: sleeps until a notifier claims it, then takes the task.
        w.park_until_claimed();
        finish(w.inject.pop().expect("woken for the pushed task"));
        pusher.join().unwrap();
        worker0.join().unwrap();
    });
}

/// Catches: two pushes racing each other waking two workers for one piece of
/// work (thundering herd), or none.
#[test]
fn loom_two_pushes_wake_exactly_one_sleeper() {
    loom::model(|| {
        let s = Arc::new(Null(Registry::new(1)));
        let idle = Arc::new(Idle::new(2));
        // Both workers parked, neither searching.
        assert!(!idle.worker_to_parked(0, false));
        assert!(!idle.worker_to_parked(1, false));
        let woken = Arc::new(Mutex::new(Vec::new()));
        let pushers: Vec<_> = (0..2)
            .map(|_| {
                let (idle, woken) = (idle.clone(), woken.clone());
                thread::spawn(move || {
                    fence(SeqCst);
                    if let Some(i) = idle.worker_to_notify() {
                        woken.lock().unwrap().push(i);
                    }
                })
            })
            .collect();
        for p in pushers {
            p.join().unwrap();
        }
        // The first woken worker counts as searching, so the second push
        // relies on it instead of waking another.
        assert_eq!(woken.lock().unwrap().len(), 1);
        drop(s);
    });
}

/// Catches: a thief stealing from a queue while its owner pushes and pops
/// losing or duplicating a task (each task runs exactly once).
#[test]
fn loom_steal_vs_owner() {
    loom::model(|| {
        let s = Arc::new(Null(Registry::new(1)));
        let owner = Local::new();
        let thief_q = Local::new();
        owner.push(notified(&s));
        owner.push(notified(&s));
        let stealer = owner.stealer();
        let th = thread::spawn(move || {
            let mut got = 0;
            if let Some(t) = stealer.steal_into(&thief_q) {
                finish(t);
                got += 1;
            }
            while let Some(t) = thief_q.pop() {
                finish(t);
                got += 1;
            }
            got
        });
        owner.push(notified(&s));
        let mut mine = 0;
        while let Some(t) = owner.pop() {
            finish(t);
            mine += 1;
        }
        let stolen = th.join().unwrap();
        assert_eq!(mine + stolen, 3);
        assert_eq!(s.0.len(), 0, "every task ran to completion once");
    });
}
