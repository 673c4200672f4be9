//! loom models of the pool ([`crate::shared`], [`crate::worker`]) and of jobs ([`crate::job`]).

use super::wait;
use crate::job::{Job, Task};
use crate::loom::atomic::{AtomicU64, Ordering::SeqCst};
use crate::loom::{thread, Arc, Condvar, Mutex};
use crate::oneshot::channel;
use crate::{BlockingPool, Id};

/// Bug caught: a job aborted before a thread picked it up whose closure runs
/// anyway (or runs and is reported cancelled), or a closure run twice.
#[test]
fn loom_abort_before_pickup_vs_pickup() {
    loom::model(|| {
        let runs = Arc::new(AtomicU64::new(0));
        let (tx, rx) = channel::<u32>(Id::next());
        let r = runs.clone();
        let job: Box<dyn Job> = Box::new(Task {
            f: move || {
                r.fetch_add(1, SeqCst);
                3
            },
            tx,
        });
        let inner = rx.inner().clone();
        let thread = thread::spawn(move || job.run());
        let abort_won = inner.abort();
        thread.join().unwrap();
        let ran = runs.load(SeqCst);
        match wait(rx) {
            Ok(3) => assert!(!abort_won && ran == 1),
            Ok(_) => unreachable!(),
            Err(e) => {
                assert!(e.is_cancelled() && abort_won);
                assert_eq!(ran, 0, "an aborted job ran");
            }
        }
    });
}

/// Bug caught: a lost hand-off. The only thread finishes a job and heads for
/// sleep while another thread spawns. If the spawner sees the thread awake
/// (and so wakes nobody) but the thread goes to sleep without seeing the job,
/// the job is stranded and its handle never resolves (a loom deadlock).
#[test]
fn loom_spawn_vs_thread_going_idle() {
    loom::model(|| {
        let pool = BlockingPool::new(1);
        let p = pool.clone();
        let first = pool.spawn(|| 1);
        // Spawns at any point of the thread's way from its job to its sleep.
        let spawner = thread::spawn(move || wait(p.spawn(|| 2)).unwrap());
        assert_eq!(wait(first).unwrap(), 1);
        assert_eq!(spawner.join().unwrap(), 2);
        pool.shutdown();
        assert_eq!(pool.num_threads(), 0);
    });
}

/// Bug caught: shutdown racing a thread's pickup. A job must either run
/// (picked up before shutdown) and resolve `Ok`, or be cancelled and never
/// run; its handle must resolve either way; every thread must exit (a thread
/// asleep through shutdown would hang `shutdown` and fail the model).
#[test]
fn loom_shutdown_vs_pickup() {
    loom::model(|| {
        let pool = BlockingPool::new(1);
        let runs = Arc::new(AtomicU64::new(0));
        let r = runs.clone();
        let h = pool.spawn(move || {
            r.fetch_add(1, SeqCst);
        });
        let p = pool.clone();
        let closer = thread::spawn(move || p.shutdown());
        let outcome = wait(h);
        closer.join().unwrap();
        match outcome {
            Ok(()) => assert_eq!(runs.load(SeqCst), 1),
            Err(e) => {
                assert!(e.is_cancelled());
                assert_eq!(runs.load(SeqCst), 0, "a cancelled job ran");
            }
        }
        assert_eq!(pool.num_threads(), 0);
    });
}

/// Bug caught: a spawn racing shutdown that pushes its job after shutdown's
/// drain looked at the queue: the job is stranded (no thread will ever pop
/// it, and its handle never resolves), or it runs after being cancelled.
#[test]
fn loom_spawn_vs_shutdown() {
    loom::model(|| {
        let pool = BlockingPool::new(1);
        let runs = Arc::new(AtomicU64::new(0));
        let r = runs.clone();
        let p = pool.clone();
        let spawner = thread::spawn(move || {
            p.spawn(move || {
                r.fetch_add(1, SeqCst);
            })
        });
        pool.shutdown();
        let h = spawner.join().unwrap();
        match wait(h) {
            Ok(()) => assert_eq!(runs.load(SeqCst), 1),
            Err(e) => {
                assert!(e.is_cancelled());
                assert_eq!(runs.load(SeqCst), 0, "a cancelled job ran");
            }
        }
        drop(pool); // the last clone: shuts down again (idempotent), waits for nobody
    });
}

/// Bug caught: a thread that takes a job while another job is queued and no
/// other thread is awake must hand off (wake or start a thread) *before* it
/// runs its job. Without that, job A (which blocks until job B has run) holds
/// the only started thread and B waits behind it forever, below the cap.
#[test]
fn loom_blocked_job_hands_off_to_a_second_thread() {
    loom::model(|| {
        let pool = BlockingPool::new(2);
        let b_ran = Arc::new(AtomicU64::new(0));
        let seen = b_ran.clone();
        let a = pool.spawn(move || {
            while seen.load(SeqCst) == 0 {
                thread::yield_now();
            }
        });
        let done = b_ran.clone();
        let b = pool.spawn(move || {
            done.store(1, SeqCst);
        });
        wait(b).unwrap();
        wait(a).unwrap();
        pool.shutdown();
        assert_eq!(pool.num_threads(), 0);
    });
}

/// Bugs caught: a self-shutdown waiting for another self-shutdown. Two jobs,
/// both running, shut their own pool down, and then `b` waits for `a` to get
/// past its shutdown. A deadlock (loom reports it) if either shutdown waits
/// for the other's thread: while it waits in its own shutdown (two jobs
/// waiting for each other), or after its shutdown returned (`b` waits for
/// `a`, which must not wait for `b`), or if `a`'s wait misses the moment `b`
/// joins the self-shutdowns (nobody else would wake it).
#[test]
fn loom_two_jobs_shut_their_own_pool_down() {
    loom::model(|| {
        let pool = BlockingPool::new(2);
        let started = Arc::new(Count::default());
        let a_done = Arc::new(Count::default());
        let (p, s, d) = (pool.clone(), started.clone(), a_done.clone());
        let a = pool.spawn(move || {
            s.add_and_wait_for(2);
            p.shutdown();
            d.add_and_wait_for(1);
        });
        let (p, s, d) = (pool.clone(), started, a_done);
        let b = pool.spawn(move || {
            s.add_and_wait_for(2);
            p.shutdown();
            d.wait_for(1);
        });
        wait(a).unwrap();
        wait(b).unwrap();
        pool.shutdown();
        assert_eq!(pool.num_threads(), 0);
    });
}

/// A counter threads can block on (loom cannot explore spin loops).
#[derive(Default)]
struct Count(Mutex<u64>, Condvar);

impl Count {
    fn add_and_wait_for(&self, n: u64) {
        *self.0.lock().unwrap() += 1;
        self.1.notify_all();
        self.wait_for(n);
    }

    fn wait_for(&self, n: u64) {
        let mut count = self.0.lock().unwrap();
        while *count < n {
            count = self.1.wait(count).unwrap();
        }
    }
}
