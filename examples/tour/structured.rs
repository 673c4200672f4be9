//! Structured cancellation: tasks that end with whatever awaits them.

use crate::section;
use runtime::task::{self, TaskGroup};
use runtime::{time, Runtime};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Moved into a task's future, so it is dropped when the future is: counts
/// the futures dropped, whether they were ever polled or not.
struct Dropped(Arc<AtomicUsize>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A task that would sleep 10 s, holding a `Dropped`.
fn sleeper(dropped: &Arc<AtomicUsize>) -> impl std::future::Future<Output = ()> + Send + 'static {
    let guard = Dropped(dropped.clone());
    async move {
        let _guard = guard;
        time::sleep(ms(10_000)).await;
    }
}

/// `TaskGroup`, and `abort_on_drop` against a plain `JoinHandle`.
pub(crate) fn structured_cancellation() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        section(
            "TaskGroup: all results in spawn order, or the first failure cancels the rest",
            "`async with asyncio.TaskGroup() as tg: tg.create_task(...)` (3.11)",
        );
        let start = Instant::now();
        let mut group = TaskGroup::new();
        for d in [30u64, 10, 20] {
            group.spawn(async move {
                time::sleep(ms(d)).await;
                d
            });
        }
        let results = group.join().await.unwrap();
        println!(
            "   three tasks of 30, 10, 20 ms: join() = {results:?} after {:.0?} (spawn order)",
            start.elapsed()
        );

        let dropped = Arc::new(AtomicUsize::new(0));
        let mut group = TaskGroup::new();
        for _ in 0..3 {
            let sleep = sleeper(&dropped);
            group.spawn(async move {
                sleep.await;
                Ok(())
            });
        }
        group.spawn(async {
            time::sleep(ms(50)).await;
            Err(std::io::Error::other("the upstream refused"))
        });
        let start = Instant::now();
        let failed = match group.try_join().await {
            Ok(all) => format!("Ok({all:?})"),
            Err(e) => format!("Err(\"{e}\")"),
        };
        let took = start.elapsed();
        let (dropped, left) = (dropped.load(Ordering::SeqCst), task::all_tasks().len());
        let verdict = if dropped == 3 && left == 0 {
            "nothing of the group outlives it"
        } else {
            "some of the group is still running"
        };
        println!(
            "   three 10 s sleepers and one task failing at 50 ms: try_join() = {failed} after \
             {took:.0?};"
        );
        println!(
            "   sleepers' futures dropped: {dropped} of 3; tasks left in all_tasks(): {left}; so \
             {verdict}\n"
        );

        section(
            "a timeout cancels the children it was waiting for, if held with abort_on_drop()",
            "`await asyncio.wait_for(asyncio.gather(a, b, c), 0.1)` cancels a, b and c",
        );
        for guarded in [false, true] {
            let dropped = Arc::new(AtomicUsize::new(0));
            let children: Vec<_> = (0..3).map(|_| runtime::spawn(sleeper(&dropped))).collect();
            let ids: Vec<_> = children.iter().map(|h| h.id()).collect();
            let aborts: Vec<_> = children.iter().map(|h| h.abort_handle()).collect();
            let start = Instant::now();
            let timed_out = if guarded {
                let children = children.into_iter().map(|h| h.abort_on_drop());
                time::timeout(ms(100), task::gather(children))
                    .await
                    .is_err()
            } else {
                time::timeout(ms(100), task::gather(children))
                    .await
                    .is_err()
            };
            let took = start.elapsed();
            let outcome = if timed_out { "timed out" } else { "finished" };
            let running = task::all_tasks()
                .iter()
                .filter(|t| ids.contains(&t.id()))
                .count();
            let dropped = dropped.load(Ordering::SeqCst);
            let held_as = if guarded {
                "handle.abort_on_drop()"
            } else {
                "plain JoinHandles     "
            };
            let verdict = if running == 0 {
                "cancelled with the gather"
            } else {
                "detached: a dropped JoinHandle lets its task run on (tokio's rule)"
            };
            println!(
                "   {held_as}: {outcome} after {took:.0?}, children still running: {running} of 3 \
                 ({dropped} dropped), {verdict}"
            );
            // Clean up what the plain handles left running.
            for a in aborts {
                a.abort();
            }
        }
        println!();
    });
}
