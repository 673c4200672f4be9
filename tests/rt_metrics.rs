//! `RuntimeMetrics` on both flavors: workers, live tasks, and each worker's
//! polls, steals, parks and busy time.
mod common;
use common::rt;
use std::time::Duration;

#[test]
fn metrics_report_workers_tasks_polls_and_parks() {
    let rt = rt::multi(3);
    let m = rt.handle().metrics();
    assert_eq!(m.num_workers(), 3);
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    let pending = rt.spawn(async move { rx.await.unwrap() });
    rt.block_on(async {
        for i in 0..100 {
            assert_eq!(runtime::spawn(async move { i }).await.unwrap(), i);
        }
    });
    assert_eq!(m.num_alive_tasks(), 1, "only the pending task is alive");
    let polls: u64 = (0..3).map(|i| m.worker_poll_count(i)).sum();
    assert!(polls >= 101, "{m:?}");
    tx.send(()).unwrap();
    rt.block_on(pending).unwrap();
    assert_eq!(m.num_alive_tasks(), 0);
    // Idle workers park rather than spin.
    common::wait_until(|| (0..3).all(|i| m.worker_park_count(i) >= 1));
    for i in 0..3 {
        assert_eq!(m.worker_local_queue_depth(i), 0);
    }
    assert_eq!(m.global_queue_depth(), 0);
}

#[test]
fn current_thread_metrics() {
    let rt = rt::current();
    let m = rt.handle().metrics();
    assert_eq!(m.num_workers(), 1);
    let h = rt.spawn(async {});
    assert_eq!(m.global_queue_depth(), 1, "queued until block_on drives it");
    rt.block_on(h).unwrap();
    assert_eq!(m.worker_poll_count(0), 1);
    assert_eq!(m.worker_steal_count(0), 0);
    assert_eq!(m.num_alive_tasks(), 0);
}

#[test]
fn metrics_count_steals_when_one_worker_is_busy() {
    let rt = rt::multi(2);
    let m = rt.handle().metrics();
    rt.block_on(rt.spawn(async {
        // Queued on this worker, which then blocks: the other worker must
        // steal them to get them done.
        let hs: Vec<_> = (0..50).map(|i| runtime::spawn(async move { i })).collect();
        std::thread::sleep(std::time::Duration::from_millis(200));
        for h in hs {
            h.await.unwrap();
        }
    }))
    .unwrap();
    let steals: u64 = (0..2).map(|i| m.worker_steal_count(i)).sum();
    assert!(steals >= 1, "{m:?}");
}

#[test]
fn a_worker_counts_its_busy_time_and_each_park_and_unpark() {
    use std::time::Duration;
    let rt = rt::multi(1);
    let m = rt.handle().metrics();
    // Nothing to do: it parks (an odd count while asleep).
    common::wait_until(|| m.worker_park_unpark_count(0) % 2 == 1);
    let (count, busy) = (
        m.worker_park_unpark_count(0),
        m.worker_total_busy_duration(0),
    );
    rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(50)) }))
        .unwrap();
    // Woken for the task, parked again after it.
    common::wait_until(|| {
        let c = m.worker_park_unpark_count(0);
        c >= count + 2 && c % 2 == 1
    });
    let spent = m.worker_total_busy_duration(0) - busy;
    assert!(
        spent >= Duration::from_millis(50),
        "busy {spent:?} for a 50 ms poll"
    );
}

#[test]
fn the_current_thread_driver_counts_busy_time_and_parks() {
    use std::time::Duration;
    let rt = rt::current();
    let m = rt.handle().metrics();
    rt.block_on(async {
        std::thread::sleep(Duration::from_millis(20)); // busy
        runtime::time::sleep(Duration::from_millis(5)).await; // parks
    });
    let count = m.worker_park_unpark_count(0);
    assert!(count >= 2 && count % 2 == 0, "parked and woke: {count}");
    assert!(m.worker_total_busy_duration(0) >= Duration::from_millis(20));
}

/// Both flavors (2 workers for the multi-thread one), with the
/// schedule-latency histogram.
fn with_latency_histogram() -> [runtime::Runtime; 2] {
    [
        runtime::Builder::new_current_thread()
            .enable_metrics_schedule_latency_histogram()
            .build()
            .unwrap(),
        runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_metrics_schedule_latency_histogram()
            .build()
            .unwrap(),
    ]
}

fn latency_counts(m: &runtime::RuntimeMetrics) -> Vec<u64> {
    (0..m.schedule_latency_histogram_num_buckets())
        .map(|b| {
            (0..m.num_workers())
                .map(|w| m.schedule_latency_histogram_bucket_count(w, b))
                .sum()
        })
        .collect()
}

#[test]
fn the_schedule_latency_histogram_counts_every_poll_of_every_worker() {
    for rt in with_latency_histogram() {
        rt.block_on(async {
            let tasks: Vec<_> = (0..10)
                .map(|_| {
                    runtime::spawn(async {
                        for _ in 0..20 {
                            runtime::task::yield_now().await;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        });
        let m = rt.handle().metrics();
        assert!(m.schedule_latency_histogram_enabled());
        assert_eq!(m.schedule_latency_histogram_num_buckets(), 24);
        let polls: u64 = (0..m.num_workers()).map(|w| m.worker_poll_count(w)).sum();
        assert!(polls >= 210, "{polls}");
        assert_eq!(latency_counts(&m).iter().sum::<u64>(), polls);
    }
}

#[test]
fn a_task_queued_behind_a_blocked_worker_lands_in_a_late_bucket() {
    let rt = runtime::Builder::new_current_thread()
        .enable_metrics_schedule_latency_histogram()
        .build()
        .unwrap();
    rt.block_on(async {
        // Both queued now; the first blocks the only thread for 50 ms, so
        // the second is polled at least 50 ms after it was queued.
        let blocker = runtime::spawn(async { std::thread::sleep(Duration::from_millis(50)) });
        let late = runtime::spawn(async {});
        blocker.await.unwrap();
        late.await.unwrap();
    });
    let m = rt.handle().metrics();
    let counts = latency_counts(&m);
    let late: u64 = (0..counts.len())
        .filter(|&b| m.schedule_latency_histogram_bucket_range(b).end > Duration::from_millis(50))
        .map(|b| counts[b])
        .sum();
    assert!(late >= 1, "{counts:?}");
    assert_eq!(
        m.schedule_latency_histogram_bucket_range(0),
        Duration::ZERO..Duration::from_micros(1)
    );
    assert_eq!(
        m.schedule_latency_histogram_bucket_range(3),
        Duration::from_micros(4)..Duration::from_micros(8)
    );
}

#[test]
#[should_panic(expected = "enable_metrics_schedule_latency_histogram")]
fn reading_a_histogram_the_runtime_does_not_keep_says_how_to_keep_it() {
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    let m = rt.handle().metrics();
    assert!(!m.schedule_latency_histogram_enabled());
    assert_eq!(m.schedule_latency_histogram_num_buckets(), 0);
    m.schedule_latency_histogram_bucket_count(0, 0);
}
