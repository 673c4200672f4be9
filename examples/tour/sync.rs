//! Channels and locks between tasks (tokio's `sync`, re-exported).

use crate::section;
use runtime::sync::{mpsc, Semaphore};
use runtime::task::TaskGroup;
use runtime::{time, Runtime};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An mpsc channel's throughput, and a semaphore's limit.
pub(crate) fn channels_and_locks() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        section(
            "a channel: 4 producer tasks, one consumer",
            "`asyncio.Queue(maxsize=1024)`, 4 producers `await q.put(i)`, one `await q.get()`",
        );
        const PRODUCERS: u64 = 4;
        const EACH: u64 = 100_000;
        let (tx, mut rx) = mpsc::channel(1024);
        let start = Instant::now();
        for p in 0..PRODUCERS {
            let tx = tx.clone();
            runtime::spawn(async move {
                for i in 0..EACH {
                    if tx.send(p * EACH + i).await.is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let (mut received, mut sum) = (0u64, 0u64);
        while let Some(v) = rx.recv().await {
            received += 1;
            sum += v;
        }
        let took = start.elapsed();
        let all = PRODUCERS * EACH;
        let verdict = if received == all && sum == all * (all - 1) / 2 {
            "each message arrived once"
        } else {
            "MESSAGES WERE LOST OR DUPLICATED"
        };
        println!(
            "   {received} messages through a bounded channel (1024) in {took:.1?} = {:.1} million \
             messages/s; {verdict}\n",
            received as f64 / took.as_secs_f64() / 1e6
        );

        section(
            "a Semaphore lets at most N tasks in at once",
            "`async with asyncio.Semaphore(3):` in each of 12 tasks",
        );
        const LIMIT: usize = 3;
        const TASKS: usize = 12;
        const WORK: Duration = Duration::from_millis(20);
        let permits = Arc::new(Semaphore::new(LIMIT));
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let mut group = TaskGroup::new();
        for _ in 0..TASKS {
            let (permits, inside, most) = (permits.clone(), inside.clone(), most.clone());
            group.spawn(async move {
                let _permit = permits
                    .acquire()
                    .await
                    .expect("the semaphore is never closed");
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                time::sleep(WORK).await;
                inside.fetch_sub(1, Ordering::SeqCst);
            });
        }
        group.join().await.unwrap();
        let took = start.elapsed();
        let most = most.load(Ordering::SeqCst);
        let verdict = match most.cmp(&LIMIT) {
            std::cmp::Ordering::Equal => "exactly the limit",
            std::cmp::Ordering::Less => "under the limit: the tasks did not all overlap",
            std::cmp::Ordering::Greater => "OVER THE LIMIT",
        };
        println!(
            "   {TASKS} tasks of {WORK:?} behind Semaphore::new({LIMIT}): at most {most} inside at \
             once ({verdict});"
        );
        println!(
            "   all done after {took:.0?} = {:.1} x {WORK:?}: the {TASKS} went in waves of {LIMIT} \
             ({} waves; unlimited, they would take one)\n",
            took.as_secs_f64() / WORK.as_secs_f64(),
            TASKS.div_ceil(LIMIT)
        );
    });
}
