//! loom model of `block_in_place`'s hand-off of a worker's core ([`crate::scheduler::multi_thread::worker`],
//! "The core moves"), calling the product's own steps: `hand_off_core`, the
//! replacement's body `run` (the whole worker loop, parking included),
//! `schedule_task` from the thread without a core, and `reclaim_core`.

use super::loom_idle::{shared, task};
use crate::loom::thread;
use crate::scheduler::multi_thread::worker::{run, WorkerCx};

/// Catches: the core's LIFO task or queued task lost or run twice across the
/// hand-off; two threads holding worker 0's core at once (the blocked thread
/// taking it back after the replacement took it, or the replacement
/// starting late and taking it from the thread that took it back); a task
/// scheduled by the blocked thread (no core now) stranded, because it went
/// to a core nobody runs or its push woke nobody while the replacement
/// parked. Every task runs exactly once, whoever ends up with the core.
#[test]
fn loom_block_in_place_hands_the_core_to_a_replacement() {
    loom::model(|| {
        let shared = shared(1);
        let cx = WorkerCx::new(shared.clone(), 0, shared.take_core(0));
        // Worker 0 is running a task that spawned two: one in the queue,
        // one in the LIFO slot.
        let (j1, n1) = task(&shared);
        let (j2, n2) = task(&shared);
        assert!(cx.schedule_local(n1, false).is_none());
        assert!(cx.schedule_local(n2, false).is_none());

        // `block_in_place`: hand the core off and start the replacement.
        assert!(cx.hand_off_core());
        let s2 = shared.clone();
        let replacement = thread::spawn(move || run(s2, 0));
        // The closure runs; meanwhile this thread wakes a task. Without a
        // core it must go to the injector (and wake the replacement).
        let (j3, n3) = task(&shared);
        cx.enter(|| shared.schedule_task(n3, false));
        // The closure returns.
        if cx.reclaim_core() {
            // The replacement had not started: this thread is worker 0
            // again, and runs what the core and the injector hold.
            while let Some(t) = cx.with_core(|core| cx.next_task(core, false)).unwrap() {
                t.run();
            }
        }
        for j in [j1, j2, j3] {
            loom::future::block_on(j).unwrap();
        }
        shared.begin_shutdown();
        replacement.join().unwrap();
        assert_eq!(shared.common.registry.len(), 0);
        shared.common.registry.close_and_shutdown();
    });
}
