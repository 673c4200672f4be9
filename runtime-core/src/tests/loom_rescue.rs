//! loom models of the rescue of a stalled worker
//! (`scheduler/multi_thread/rescue.rs`, `lifo.rs`): the real `LifoSlot`,
//! `steal_stalled_lifo`, `next_task`, `schedule_local`, `mark_stalled`,
//! `Shared::rescue` and the park loop, on a real `Shared`.

use super::loom_idle::{shared, task};
use crate::loom::thread;
use crate::scheduler::multi_thread::worker::WorkerCx;
use crate::scheduler::multi_thread::{Shared, Unparked};
use crate::scheduler::WorkerMetrics;
use crate::task::{JoinHandle, Notified};

/// Worker 0 is inside a poll (of a task with id `id`) that the watchdog
/// found stuck: what `run_task` and the watchdog would have written.
fn stall_worker_0(shared: &Shared, id: u64) {
    let m = &shared.common.workers[0];
    WorkerMetrics::bump(&m.polls);
    m.polling(id);
    shared.mark_stalled(0, m.polls.load(crate::loom::atomic::Ordering::Relaxed));
}

/// Runs every task that `f` hands out, counting them.
fn run_all(mut f: impl FnMut() -> Option<Notified>) -> usize {
    let mut ran = 0;
    while let Some(t) = f() {
        t.run();
        ran += 1;
    }
    ran
}

/// Catches: the owner's pop of its LIFO slot after the stuck poll returns
/// racing a rescuer's steal of it, so that the task runs twice (an owner
/// that pops with a plain load and store, or a rescuer that does) or never.
#[test]
fn loom_rescue_vs_the_worker_finishing_its_poll() {
    loom::model(|| {
        let shared = shared(2);
        let cx = WorkerCx::new(shared.clone(), 0, shared.take_core(0));
        let (join, t) = task(&shared);
        assert!(cx.schedule_local(t, false).is_none()); // into the LIFO slot
        stall_worker_0(&shared, 1);
        let s2 = shared.clone();
        let rescuer = thread::spawn(move || run_all(|| s2.steal_stalled_lifo(0)));
        // The stuck poll returns: the worker takes its next task.
        let mine = run_all(|| cx.with_core(|core| cx.next_task(core, false)).unwrap());
        let stolen = rescuer.join().unwrap();
        assert_eq!(mine + stolen, 1, "the LIFO task ran once");
        assert!(join.is_finished());
        shared.common.registry.close_and_shutdown();
    });
}

/// Catches: a spawn into a full LIFO slot (the stuck task spawns before it
/// blocks) racing a rescuer's steal, losing the displaced task or running
/// one twice: the displaced task must reach the local queue unless the
/// rescuer took it, and the new one must stay in the slot or be stolen.
#[test]
fn loom_rescue_vs_a_spawn_into_the_lifo_slot() {
    loom::model(|| {
        let shared = shared(2);
        let cx = WorkerCx::new(shared.clone(), 0, shared.take_core(0));
        let (j1, t1) = task(&shared);
        let (j2, t2) = task(&shared);
        assert!(cx.schedule_local(t1, false).is_none());
        stall_worker_0(&shared, 1);
        let s2 = shared.clone();
        let rescuer = thread::spawn(move || run_all(|| s2.steal_stalled_lifo(0)));
        // The stuck task spawns another (a wake from inside its poll).
        assert!(cx.schedule_local(t2, false).is_none());
        let stolen = rescuer.join().unwrap();
        let mine = run_all(|| cx.with_core(|core| cx.next_task(core, false)).unwrap());
        assert_eq!(mine + stolen, 2, "each task ran once");
        assert!(j1.is_finished() && j2.is_finished());
        shared.common.registry.close_and_shutdown();
    });
}

/// Catches: two rescuers (a searching worker and a rescue thread) taking
/// the same LIFO task.
#[test]
fn loom_two_rescuers() {
    loom::model(|| {
        let shared = shared(2);
        let cx = WorkerCx::new(shared.clone(), 0, shared.take_core(0));
        let (join, t) = task(&shared);
        assert!(cx.schedule_local(t, false).is_none());
        stall_worker_0(&shared, 1);
        let rescuers: Vec<_> = (0..2)
            .map(|_| {
                let s = shared.clone();
                thread::spawn(move || run_all(|| s.steal_stalled_lifo(0)))
            })
            .collect();
        let ran: usize = rescuers.into_iter().map(|r| r.join().unwrap()).sum();
        assert_eq!(ran, 1, "the LIFO task ran once");
        assert!(join.is_finished());
        shared.common.registry.close_and_shutdown();
    });
}

/// Catches a lost rescue: the watchdog marks worker 0 stalled (its LIFO
/// task now reachable) while worker 1, the last searcher, parks. Without the
/// fence in `Shared::rescue`, or without the stalled LIFO slot in the last
/// searcher's re-check, worker 1 sleeps with the task stranded, and loom
/// reports the deadlock.
#[test]
fn loom_rescue_vs_the_last_searcher_parking() {
    loom::model(|| {
        let shared = shared(2);
        let cx = WorkerCx::new(shared.clone(), 0, shared.take_core(0));
        let (join, t): (JoinHandle<()>, _) = task(&shared);
        assert!(cx.schedule_local(t, false).is_none());
        // Worker 0 is running (counted unparked, not searching); worker 1
        // searched, found nothing, and parks as the last searcher.
        assert!(shared.idle.worker_to_searching());
        let s2 = shared.clone();
        let watchdog = thread::spawn(move || {
            stall_worker_0(&s2, 1);
            Shared::rescue(&s2, false);
        });
        let left = shared.park_worker(1, true, || false);
        assert_eq!(left, Unparked::Searching);
        let ran = run_all(|| shared.steal_stalled_lifo(0));
        watchdog.join().unwrap();
        assert_eq!(ran, 1, "worker 1 was woken for the stranded task");
        assert!(join.is_finished());
        shared.common.registry.close_and_shutdown();
    });
}
