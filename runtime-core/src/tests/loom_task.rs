//! loom models of the task protocols: the state word, the join-waker
//! hand-off, abort, and wake-ups from other threads. Each drives real task
//! cells through a tiny test scheduler (a loom `Mutex<VecDeque>`), so every
//! interleaving of the threads below is explored.

use crate::loom::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use crate::loom::{lock, thread, Arc, Mutex};
use crate::task::{spawn, JoinHandle, Meta, Notified, RawTask, Registry, Schedule, Task};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

struct TestSched {
    queue: Mutex<VecDeque<Notified>>,
    registry: Registry,
    /// Unretrieved panics reported.
    reports: AtomicUsize,
}

impl Schedule for TestSched {
    fn schedule(&self, task: Notified, _is_yield: bool) {
        lock(&self.queue).push_back(task);
    }
    fn release(&self, task: RawTask) -> Option<Task> {
        self.registry.remove(task, None)
    }
    fn unhandled_panic(&self, _: &crate::task::Header, _: &crate::task::JoinError) {
        self.reports.fetch_add(1, SeqCst);
    }
}

/// A scheduler whose registry has `workers` worker shards besides the
/// shared one. `release` runs on no worker (`here` is `None`), so a task
/// bound to a worker's shard is handed back to it ([`crate::task::registry`]).
fn sched_with(workers: usize) -> Arc<TestSched> {
    Arc::new(TestSched {
        queue: Mutex::new(VecDeque::new()),
        registry: Registry::new(workers),
        reports: AtomicUsize::new(0),
    })
}

fn new_sched() -> Arc<TestSched> {
    sched_with(0)
}

/// Spawns into registry shard `shard` and queues the task.
fn spawn_in<F>(s: &Arc<TestSched>, shard: usize, f: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let meta = Meta {
        name: None,
        spawned_at: std::panic::Location::caller(),
    };
    let (join, notified) = spawn(f, s.clone(), &s.registry, shard, meta);
    s.schedule(notified.unwrap(), false);
    join
}

fn spawn_on<F>(s: &Arc<TestSched>, f: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_in(s, s.registry.shared_shard(), f)
}

fn run_queued(s: &TestSched) -> usize {
    let mut n = 0;
    loop {
        let task = lock(&s.queue).pop_front();
        match task {
            Some(t) => t.run(),
            None => return n,
        }
        n += 1;
    }
}

fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    let waker = futures::task::noop_waker();
    Pin::new(f).poll(&mut Context::from_waker(&waker))
}

/// Ready once `flag` is set; publishes its waker before checking the flag.
struct WaitFlag {
    flag: Arc<AtomicBool>,
    slot: Arc<Mutex<Option<Waker>>>,
    polls: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
}

impl Future for WaitFlag {
    type Output = u32;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        self.polls.fetch_add(1, SeqCst);
        *lock(&self.slot) = Some(cx.waker().clone());
        if self.flag.load(SeqCst) {
            Poll::Ready(7)
        } else {
            Poll::Pending
        }
    }
}

impl Drop for WaitFlag {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

struct Probe {
    flag: Arc<AtomicBool>,
    slot: Arc<Mutex<Option<Waker>>>,
    polls: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
}

impl Probe {
    fn new() -> Probe {
        Probe {
            flag: Arc::new(AtomicBool::new(false)),
            slot: Arc::new(Mutex::new(None)),
            polls: Arc::new(AtomicUsize::new(0)),
            drops: Arc::new(AtomicUsize::new(0)),
        }
    }
    fn future(&self) -> WaitFlag {
        WaitFlag {
            flag: self.flag.clone(),
            slot: self.slot.clone(),
            polls: self.polls.clone(),
            drops: self.drops.clone(),
        }
    }
    /// Sets the flag and wakes whatever waker is published.
    fn fire(flag: &AtomicBool, slot: &Mutex<Option<Waker>>) {
        flag.store(true, SeqCst);
        let waker = lock(&slot).take();
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// Catches: a wake that lands while the task is being polled being lost (the
/// task would hang) or causing a second, concurrent poll / a double queue entry.
#[test]
fn loom_wake_while_running() {
    loom::model(|| {
        let s = new_sched();
        let p = Probe::new();
        let mut join = spawn_on(&s, p.future());
        let (flag, slot) = (p.flag.clone(), p.slot.clone());
        let th = thread::spawn(move || Probe::fire(&flag, &slot));
        run_queued(&s);
        th.join().unwrap();
        run_queued(&s);
        assert!(lock(&s.queue).is_empty());
        assert_eq!(poll_once(&mut join).map(Result::unwrap), Poll::Ready(7));
        assert!(p.polls.load(SeqCst) <= 2);
        assert_eq!(p.drops.load(SeqCst), 1);
    });
}

/// Catches: two wakers firing at once queueing the task twice (two
/// `Notified` for one task: a double poll or a use-after-free).
#[test]
fn loom_wake_from_two_threads() {
    loom::model(|| {
        let s = new_sched();
        let p = Probe::new();
        let mut join = spawn_on(&s, p.future());
        run_queued(&s); // first poll: pending, waker published
        let w1 = lock(&p.slot).take().unwrap();
        let w2 = w1.clone();
        p.flag.store(true, SeqCst);
        let th = thread::spawn(move || w1.wake());
        w2.wake_by_ref();
        drop(w2);
        th.join().unwrap();
        assert_eq!(lock(&s.queue).len(), 1, "queued exactly once");
        run_queued(&s);
        assert_eq!(poll_once(&mut join).map(Result::unwrap), Poll::Ready(7));
        assert_eq!(p.polls.load(SeqCst), 2);
    });
}

/// Catches: abort racing a poll in any state — before the first poll
/// (scheduled), during it (running), after it (idle) — leaving the task
/// un-cancelled, polling it after cancellation, or dropping it twice.
#[test]
fn loom_abort_vs_poll() {
    loom::model(|| {
        let s = new_sched();
        let p = Probe::new(); // never fired: pending forever
        let mut join = spawn_on(&s, p.future());
        let abort = join.abort_handle();
        let th = thread::spawn(move || abort.abort());
        run_queued(&s);
        th.join().unwrap();
        run_queued(&s);
        let err = match poll_once(&mut join) {
            Poll::Ready(Err(e)) => e,
            other => panic!("expected cancellation, got {:?}", other.map(|r| r.is_ok())),
        };
        assert!(err.is_cancelled());
        assert!(p.polls.load(SeqCst) <= 1);
        assert_eq!(p.drops.load(SeqCst), 1);
    });
}

/// Catches: abort of a scheduled task still polling it, or a cancelled task's
/// output/future being dropped twice when abort races completion.
#[test]
fn loom_abort_vs_complete() {
    loom::model(|| {
        let s = new_sched();
        let p = Probe::new();
        p.flag.store(true, SeqCst); // ready on first poll
        let mut join = spawn_on(&s, p.future());
        let abort = join.abort_handle();
        let th = thread::spawn(move || abort.abort());
        run_queued(&s);
        th.join().unwrap();
        run_queued(&s);
        match poll_once(&mut join) {
            Poll::Ready(Ok(v)) => {
                assert_eq!(v, 7);
                assert_eq!(p.polls.load(SeqCst), 1);
            }
            Poll::Ready(Err(e)) => {
                assert!(e.is_cancelled());
                assert_eq!(p.polls.load(SeqCst), 0, "polled after abort won");
            }
            Poll::Pending => panic!("task neither completed nor cancelled"),
        }
        assert_eq!(p.drops.load(SeqCst), 1);
    });
}

/// Catches: the join waker being registered just as the task completes and
/// never being woken (the joiner hangs — loom reports the deadlock), and the
/// waker-replacement path (a second poll with a different waker) racing it.
#[test]
fn loom_join_waker_vs_complete() {
    loom::model(|| {
        let s = new_sched();
        let p = Probe::new();
        p.flag.store(true, SeqCst);
        let mut join = spawn_on(&s, p.future());
        let th = thread::spawn(move || {
            // First with a noop waker (stored), then block_on's own waker
            // (replaces it).
            if let Poll::Ready(r) = poll_once(&mut join) {
                return r.unwrap();
            }
            loom::future::block_on(join).unwrap()
        });
        run_queued(&s);
        assert_eq!(th.join().unwrap(), 7);
    });
}

/// Catches: dropping the `JoinHandle` while the task completes dropping the
/// output twice or never (leak), or freeing the cell while in use.
#[test]
fn loom_join_drop_vs_complete() {
    loom::model(|| {
        let s = new_sched();
        let out_drops = Arc::new(AtomicUsize::new(0));
        struct Out(Arc<AtomicUsize>);
        impl Drop for Out {
            fn drop(&mut self) {
                self.0.fetch_add(1, SeqCst);
            }
        }
        let o = out_drops.clone();
        let join = spawn_on(&s, async move { Out(o) });
        let th = thread::spawn(move || drop(join));
        run_queued(&s);
        th.join().unwrap();
        assert_eq!(out_drops.load(SeqCst), 1);
        assert_eq!(s.registry.len(), 0);
    });
}

/// Catches: shutdown (the registry cancelling every task) racing a worker
/// polling one: the future must be dropped exactly once, by whichever side
/// owns it, and the joiner must see the cancellation.
#[test]
fn loom_shutdown_vs_poll() {
    loom::model(|| {
        let s = new_sched();
        let p = Probe::new();
        let mut join = spawn_on(&s, p.future());
        let s2 = s.clone();
        let th = thread::spawn(move || s2.registry.close_and_shutdown());
        run_queued(&s);
        th.join().unwrap();
        run_queued(&s);
        assert!(matches!(poll_once(&mut join), Poll::Ready(Err(e)) if e.is_cancelled()));
        assert_eq!(p.drops.load(SeqCst), 1);
    });
}

/// Catches: an abort racing a wake of an idle task queueing it twice (abort
/// and wake each submitting a `Notified`: a double poll or use-after-free),
/// or neither (the task never cancelled, the joiner hangs).
#[test]
fn loom_abort_vs_wake() {
    loom::model(|| {
        let s = new_sched();
        let p = Probe::new();
        let mut join = spawn_on(&s, p.future());
        run_queued(&s); // first poll: pending, waker published, idle
        let waker = lock(&p.slot).take().unwrap();
        let abort = join.abort_handle();
        let th = thread::spawn(move || abort.abort());
        waker.wake();
        th.join().unwrap();
        assert_eq!(lock(&s.queue).len(), 1, "queued exactly once");
        run_queued(&s);
        assert!(matches!(poll_once(&mut join), Poll::Ready(Err(e)) if e.is_cancelled()));
        assert_eq!(p.drops.load(SeqCst), 1);
        assert!(p.polls.load(SeqCst) <= 2);
    });
}

/// Catches: a wake *by reference* from another thread while the task is
/// being polled being lost (the task hangs with its flag set) or queueing it
/// while it runs (a second, concurrent poll), or the waker's reference being
/// consumed by `wake_by_ref` (a use-after-free when the waker drops).
#[test]
fn loom_wake_by_ref_while_running() {
    loom::model(|| {
        let s = new_sched();
        let p = Probe::new();
        let mut join = spawn_on(&s, p.future());
        run_queued(&s); // pending; its waker is published
        let waker = lock(&p.slot).take().unwrap();
        waker.wake_by_ref(); // queued again: the next poll races the thread
        let flag = p.flag.clone();
        let th = thread::spawn(move || {
            flag.store(true, SeqCst);
            waker.wake_by_ref();
            drop(waker);
        });
        run_queued(&s);
        th.join().unwrap();
        run_queued(&s);
        assert!(lock(&s.queue).is_empty());
        assert_eq!(poll_once(&mut join).map(Result::unwrap), Poll::Ready(7));
        assert!(p.polls.load(SeqCst) <= 3);
        assert_eq!(p.drops.load(SeqCst), 1);
    });
}

/// Catches: a join waker kept until the cell is freed. A awaits B's handle and
/// B awaits A's: each cell holds the other's waker, so unless a dropped
/// `JoinHandle` (or completion) drops the waker it published, neither cell
/// is ever freed — with shutdown racing the workers. loom reports the leaked
/// cells' `Arc` of the scheduler; the count check says it directly.
#[test]
fn loom_two_tasks_awaiting_each_other() {
    loom::model(|| {
        let s = new_sched();
        let slot: Arc<Mutex<Option<JoinHandle<()>>>> = Arc::new(Mutex::new(None));
        let from_slot = slot.clone();
        let a = spawn_on(&s, async move {
            let b = lock(&from_slot).take().expect("B's handle");
            let _ = b.await;
        });
        let b = spawn_on(&s, async move {
            let _ = a.await;
        });
        *lock(&slot) = Some(b);
        run_queued(&s); // both pending, each holding the other's waker
        let s2 = s.clone();
        let th = thread::spawn(move || s2.registry.close_and_shutdown());
        run_queued(&s);
        th.join().unwrap();
        run_queued(&s);
        assert_eq!(Arc::strong_count(&s), 1, "a task cell leaked");
    });
}

/// Catches: the `JoinHandle` being dropped just as its task completes with a
/// panic, and the panic report being lost (neither side reports: the handle
/// thought the completer would, the completer thought the handle would) or
/// made twice.
#[test]
fn loom_join_drop_vs_panicking_completion() {
    loom::model(|| {
        let s = new_sched();
        // `resume_unwind` panics without the panic hook: no noise per run.
        let join = spawn_on(&s, async { std::panic::resume_unwind(Box::new("boom")) });
        let th = thread::spawn(move || drop(join));
        run_queued(&s);
        th.join().unwrap();
        assert_eq!(s.reports.load(SeqCst), 1, "reported exactly once");
        assert_eq!(Arc::strong_count(&s), 1);
    });
}

/// Catches, in the registry ([`crate::task::registry`]): a task that completes on
/// another thread than its shard's owner being counted alive after its
/// joiner saw it finish, listed by a snapshot once complete, lost (its slot
/// never freed: the cell leaks) or freed twice when its hand-back races the
/// owner's next bind, its drain and a snapshot.
#[test]
fn loom_registry_hand_back_vs_bind_vs_snapshot() {
    loom::model(|| {
        let s = sched_with(1);
        // Task A, bound to worker 0's shard, completes on another thread.
        let mut a = spawn_in(&s, 0, async {});
        let a_task = lock(&s.queue).pop_front().unwrap();
        let runner = thread::spawn(move || a_task.run());
        let s2 = s.clone();
        let snap = thread::spawn(move || {
            let ids: Vec<_> = s2.registry.snapshot().into_iter().map(|t| t.id()).collect();
            ids
        });
        // The owner binds task B meanwhile, then drains what was handed back
        // (as it does before parking and every 61 ticks).
        let b = spawn_in(&s, 0, std::future::pending::<()>());
        s.registry.drain(0);
        runner.join().unwrap();
        let seen = snap.join().unwrap();
        assert!(seen.len() <= 2);
        assert_eq!(poll_once(&mut a).map(|r| r.is_ok()), Poll::Ready(true));
        // A joiner that saw A finish counts only B.
        assert_eq!(s.registry.len(), 1);
        let listed: Vec<_> = s.registry.snapshot().into_iter().map(|t| t.id()).collect();
        assert_eq!(listed, vec![b.id()]);
        // The owner's next drain frees A's cell: only B's is left.
        drop(a);
        s.registry.drain(0);
        assert_eq!(
            Arc::strong_count(&s),
            2,
            "a handed-back cell outlived the drain"
        );
        drop(b);
        s.registry.close_and_shutdown();
        run_queued(&s);
        assert_eq!(s.registry.len(), 0);
        assert_eq!(Arc::strong_count(&s), 1, "a task cell leaked");
    });
}

/// Catches, in the registry's arrival lists ([`crate::task::registry`]): a task spawned
/// off the workers that completes while a worker adopts it being counted
/// alive after its joiner saw it finish, bound to a slot although complete
/// (its cell would leak), or its registry reference dropped twice.
#[test]
fn loom_registry_arrival_completes_vs_adopt() {
    loom::model(|| {
        let s = sched_with(1);
        let mut a = spawn_on(&s, async {});
        let a_task = lock(&s.queue).pop_front().unwrap();
        let runner = thread::spawn(move || a_task.run());
        let s2 = s.clone();
        let adopter = thread::spawn(move || s2.registry.drain(0));
        runner.join().unwrap();
        assert_eq!(poll_once(&mut a).map(|r| r.is_ok()), Poll::Ready(true));
        assert_eq!(s.registry.len(), 0, "alive after its joiner saw it finish");
        assert!(s.registry.snapshot().is_empty());
        adopter.join().unwrap();
        drop(a);
        // Dropped by the adopter, or handed back and freed by this drain.
        s.registry.drain(0);
        assert_eq!(Arc::strong_count(&s), 1, "a task cell leaked");
    });
}

/// Catches: a snapshot or count taken while a worker adopts arrivals
/// missing a live task (off the list, not in the shard yet) or seeing it
/// twice (on both).
#[test]
fn loom_registry_snapshot_vs_adopt() {
    loom::model(|| {
        let s = sched_with(1);
        let b = spawn_on(&s, std::future::pending::<()>());
        let s2 = s.clone();
        let adopter = thread::spawn(move || s2.registry.drain(0));
        let listed: Vec<_> = s.registry.snapshot().into_iter().map(|t| t.id()).collect();
        assert_eq!(listed, vec![b.id()], "missed or seen twice");
        assert_eq!(s.registry.len(), 1);
        adopter.join().unwrap();
        drop(b);
        s.registry.close_and_shutdown();
        run_queued(&s);
        assert_eq!(Arc::strong_count(&s), 1, "a task cell leaked");
    });
}

/// Catches: shutdown racing a worker's adoption losing a task between the
/// arrival list and the shard (never cancelled: its future leaks) or
/// cancelling it twice, and a spawn after the close being accepted.
#[test]
fn loom_registry_close_vs_adopt() {
    loom::model(|| {
        let s = sched_with(1);
        let p = Probe::new();
        let mut b = spawn_on(&s, p.future());
        let s2 = s.clone();
        let adopter = thread::spawn(move || s2.registry.drain(0));
        s.registry.close_and_shutdown();
        adopter.join().unwrap();
        run_queued(&s);
        let cancelled = matches!(poll_once(&mut b), Poll::Ready(Err(e)) if e.is_cancelled());
        assert!(cancelled, "not cancelled by the shutdown");
        assert_eq!(p.drops.load(SeqCst), 1);
        assert_eq!(s.registry.len(), 0);
        let meta = Meta {
            name: None,
            spawned_at: std::panic::Location::caller(),
        };
        let shard = s.registry.shared_shard();
        let (late, notified) = spawn(async {}, s.clone(), &s.registry, shard, meta);
        assert!(notified.is_none(), "spawned after the close");
        drop((b, late));
        assert_eq!(Arc::strong_count(&s), 1, "a task cell leaked");
    });
}
