//! loom model of the LIFO slot and the local queue behind it
//! ([`crate::scheduler::multi_thread::worker`]).

use crate::loom::thread;
use crate::scheduler::multi_thread::worker::WorkerCx;
use crate::scheduler::multi_thread::Shared;
use crate::scheduler::queue::Local;
use crate::scheduler::{Config, Flavor};
use crate::task::{self, Meta};

fn config() -> Config {
    Config::new(Flavor::MultiThread, runtime_blocking::BlockingPool::new(1))
}

fn meta() -> Meta {
    Meta {
        name: None,
        spawned_at: std::panic::Location::caller(),
    }
}

/// Catches: a task displaced from the LIFO slot into the local queue
/// being lost or run twice when a sibling steals at the same moment, and
/// the LIFO task itself leaking out of the slot to a thief (it must stay
/// with its worker). Every task runs exactly once.
#[test]
fn loom_lifo_displacement_vs_steal() {
    loom::model(|| {
        let shared = Shared::new(2, config()).unwrap();
        let thief_local = Local::new();
        let cx = WorkerCx::new(shared.clone(), 0, shared.take_core(0));
        let mut joins = Vec::new();
        let mut spawn = || {
            let (j, n) = task::spawn(async {}, shared.clone(), &shared.common.registry, 0, meta());
            joins.push(j);
            n.unwrap()
        };
        let (first, second) = (spawn(), spawn());
        assert!(cx.schedule_local(first, false).is_none()); // into the LIFO slot
        let stealer = shared.remotes[0].steal.clone();
        let thief = thread::spawn(move || {
            let mut ran = 0;
            if let Some(t) = stealer.steal_into(&thief_local) {
                t.run();
                ran += 1;
            }
            while let Some(t) = thief_local.pop() {
                t.run();
                ran += 1;
            }
            ran
        });
        // Displaces `first` into the (stealable) queue; `second` takes the slot.
        assert!(cx.schedule_local(second, false).is_none());
        let mut ran = 0;
        loop {
            let t = cx.with_core(|core| cx.next_task(core, false)).unwrap();
            match t {
                Some(t) => {
                    t.run();
                    ran += 1;
                }
                None => break,
            }
        }
        let stolen = thief.join().unwrap();
        assert_eq!(ran + stolen, 2, "each task runs exactly once");
        assert!(ran >= 1, "the LIFO task is never stolen");
        assert!(joins.iter().all(|j| j.is_finished()));
        assert_eq!(shared.common.registry.len(), 0);
        // The thief handed its tasks back to worker 0's registry shard;
        // worker 0 frees them when it next drains (here, as before it
        // would park).
        shared.common.registry.drain(0);
    });
}
