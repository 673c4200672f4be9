//! spawn_blocking and run_in_executor, seen from async code.
mod common;
use common::*;
use runtime::blocking::BlockingPool;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

both_flavors!(value_and_panic_come_back_through_the_join_handle, |rt| {
    rt.block_on(async {
        assert_eq!(runtime::spawn_blocking(|| 6 * 7).await.unwrap(), 42);
        let err = runtime::spawn_blocking(|| -> u32 { panic!("job failed") })
            .await
            .unwrap_err();
        assert!(err.is_panic());
        assert!(err.to_string().contains("job failed"), "{err}");
    });
});

both_flavors!(blocking_jobs_and_tasks_mix_in_one_collection, |rt| {
    rt.block_on(async {
        let handles: Vec<runtime::task::JoinHandle<u32>> = vec![
            runtime::spawn(async { 1 }),
            runtime::spawn_blocking(|| 2),
            runtime::Handle::current().spawn_blocking(|| 3),
        ];
        let out: Vec<u32> = runtime::task::gather(handles)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(out, [1, 2, 3]);
        let mut set = runtime::task::JoinSet::new();
        set.spawn(async { 10 });
        set.spawn_blocking(|| 20);
        let mut sum = 0;
        while let Some(r) = set.join_next().await {
            sum += r.unwrap();
        }
        assert_eq!(sum, 30);
    });
});

#[test]
fn max_blocking_threads_caps_concurrency() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(3)
        .build()
        .unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let high = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let jobs: Vec<_> = (0..12)
            .map(|_| {
                let (running, high) = (running.clone(), high.clone());
                runtime::spawn_blocking(move || {
                    let now = running.fetch_add(1, SeqCst) + 1;
                    high.fetch_max(now, SeqCst);
                    std::thread::sleep(Duration::from_millis(30));
                    running.fetch_sub(1, SeqCst);
                })
            })
            .collect();
        for j in jobs {
            j.await.unwrap();
        }
    });
    assert!(high.load(SeqCst) <= 3, "{} ran at once", high.load(SeqCst));
    assert!(rt.handle().metrics().num_blocking_threads() <= 3);
}

#[test]
fn an_aborted_job_that_has_not_started_never_runs() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let ran = Arc::new(AtomicBool::new(false));
    rt.block_on(async {
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        // Occupies the pool's only thread.
        let busy = runtime::spawn_blocking(move || {
            started_tx.send(()).unwrap();
            release_rx.recv().unwrap();
        });
        started_rx.recv().unwrap();
        let r = ran.clone();
        let queued = runtime::spawn_blocking(move || r.store(true, SeqCst));
        assert_eq!(
            runtime::Handle::current().metrics().blocking_queue_depth(),
            1
        );
        queued.abort();
        assert!(queued.await.unwrap_err().is_cancelled());
        release_tx.send(()).unwrap();
        busy.await.unwrap();
    });
    drop(rt);
    assert!(!ran.load(SeqCst));
}

#[test]
fn a_sleeping_blocking_job_does_not_delay_async_tasks_on_one_worker() {
    let rt = rt::multi(1);
    rt.block_on(async {
        let start = Instant::now();
        let job = runtime::spawn_blocking(|| std::thread::sleep(Duration::from_millis(500)));
        let quick = runtime::spawn(async {
            for _ in 0..100 {
                runtime::task::yield_now().await;
            }
            Instant::now()
        });
        let quick_done = quick.await.unwrap();
        assert!(
            quick_done - start < Duration::from_millis(400),
            "the async task waited for the blocking job"
        );
        job.await.unwrap();
        assert!(start.elapsed() >= Duration::from_millis(500));
    });
}

#[test]
fn idle_blocking_threads_retire_after_keep_alive() {
    let rt = runtime::Builder::new_current_thread()
        .thread_keep_alive(Duration::from_millis(50))
        .build()
        .unwrap();
    let m = rt.handle().metrics();
    rt.block_on(async { runtime::spawn_blocking(|| ()).await.unwrap() });
    assert!(m.num_blocking_threads() >= 1);
    wait_until(|| m.num_blocking_threads() == 0);
}

#[test]
fn runtime_drop_cancels_queued_jobs_and_returns() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let running = rt.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        "finished"
    });
    started_rx.recv().unwrap();
    let queued: Vec<_> = (0..5)
        .map(|_| {
            let ran = ran.clone();
            rt.spawn_blocking(move || {
                ran.fetch_add(1, SeqCst);
            })
        })
        .collect();
    drop(rt); // waits for the running job, cancels the queued ones
    assert_eq!(futures::executor::block_on(running).unwrap(), "finished");
    for q in queued {
        assert!(futures::executor::block_on(q).unwrap_err().is_cancelled());
    }
    assert_eq!(ran.load(SeqCst), 0);
}

#[test]
fn run_in_executor_uses_the_given_pool_in_parallel() {
    let pool = BlockingPool::new(2);
    let rt = rt::current();
    let both_running = Arc::new(AtomicUsize::new(0));
    let out = rt.block_on(async {
        let jobs: Vec<_> = (0..2)
            .map(|i| {
                let b = both_running.clone();
                runtime::run_in_executor(&pool, move || {
                    b.fetch_add(1, SeqCst);
                    // Both must be in here at once: the pool has 2 threads.
                    let deadline = Instant::now() + Duration::from_secs(30);
                    while b.load(SeqCst) < 2 {
                        assert!(Instant::now() < deadline, "jobs did not run in parallel");
                        std::hint::spin_loop();
                    }
                    i
                })
            })
            .collect();
        let mut out = Vec::new();
        for j in jobs {
            out.push(j.await.unwrap());
        }
        out
    });
    assert_eq!(out, [0, 1]);
    assert_eq!(pool.max_threads(), 2);
}

#[test]
fn zero_max_blocking_threads_is_an_error() {
    let err = runtime::Builder::new_multi_thread()
        .max_blocking_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn paused_time_waits_for_a_running_blocking_job() {
    let rt = rt::paused();
    rt.block_on(async {
        let start = runtime::time::Instant::now();
        let job = runtime::spawn_blocking(|| std::thread::sleep(Duration::from_millis(50)));
        let timer = runtime::spawn(runtime::time::sleep(Duration::from_secs(3600)));
        job.await.unwrap();
        // The job finished before virtual time jumped past its 1 h timer.
        assert!(
            start.elapsed() < Duration::from_secs(3600),
            "{:?}",
            start.elapsed()
        );
        timer.await.unwrap();
        assert!(start.elapsed() >= Duration::from_secs(3600));
    });
}

#[cfg(target_os = "linux")]
#[test]
fn idle_workers_do_not_spin_while_a_long_job_runs() {
    // An idle worker spins for a moment before sleeping while blocking jobs
    // are in flight (a result may wake a task soon); the spin is bounded.
    // Named, so only this runtime's workers are counted: the other tests
    // of this binary run in the same process meanwhile.
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("spin-check")
        .build()
        .unwrap();
    let job = rt.spawn_blocking(|| std::thread::sleep(Duration::from_millis(1500)));
    rt.block_on(async {
        // Wake the workers a few times, so each parks again with the job
        // in flight.
        for _ in 0..10 {
            runtime::spawn(async {}).await.unwrap();
        }
    });
    std::thread::sleep(Duration::from_millis(100));
    let ticks =
        || common::cpu::thread_cpu_ticks("spin-check").expect("the runtime's worker threads");
    let before = ticks();
    std::thread::sleep(Duration::from_millis(800));
    let used = ticks() - before;
    // A worker spinning all along would use ~80 ticks (at 100 Hz).
    assert!(used <= 20, "{used} CPU ticks in 800 ms of idle");
    rt.block_on(job).unwrap();
}

both_flavors!(a_blocking_closure_runs_inside_its_runtime, |rt| {
    let out = rt.block_on(async {
        runtime::spawn_blocking(|| {
            assert!(runtime::Handle::try_current().is_ok());
            let handle = runtime::Handle::current();
            let task = runtime::spawn(async {
                runtime::time::sleep(Duration::from_millis(5)).await;
                7
            });
            let job = runtime::spawn_blocking(|| 8);
            // No `Handle::block_on` yet: a task awaits both and reports back
            // on a std channel.
            let (tx, rx) = std::sync::mpsc::channel();
            handle.spawn(async move {
                let sum = task.await.unwrap() + job.await.unwrap();
                tx.send(sum).unwrap();
            });
            rx.recv_timeout(Duration::from_secs(30)).unwrap()
        })
        .await
        .unwrap()
    });
    assert_eq!(out, 15);
});

both_flavors!(a_blocking_closure_may_block_on_another_runtime, |rt| {
    // Its thread has the runtime's context but is not one of its threads:
    // blocking there stalls nobody, as in tokio.
    let out = rt.block_on(async {
        runtime::spawn_blocking(|| {
            let other = rt::current();
            let n = other.block_on(async {
                runtime::time::sleep(Duration::from_millis(1)).await;
                runtime::spawn(async { 3 }).await.unwrap()
            });
            // Back in the outer runtime's context afterwards.
            runtime::spawn(async move { n + 1 })
        })
        .await
        .unwrap()
        .await
        .unwrap()
    });
    assert_eq!(out, 4);
});

#[test]
fn run_in_executor_enters_the_callers_runtime_if_any() {
    let pool = BlockingPool::new(1);
    let rt = runtime::Runtime::new().unwrap();
    let inside = rt.block_on(async {
        let job = runtime::run_in_executor(&pool, || {
            assert!(runtime::Handle::try_current().is_ok());
            runtime::spawn(async { 5 })
        });
        job.await.unwrap().await.unwrap() == 5
    });
    assert!(inside, "the job saw no runtime");
    let outside = futures::executor::block_on(runtime::run_in_executor(&pool, || {
        runtime::Handle::try_current().is_err()
    }))
    .unwrap();
    assert!(outside, "a job spawned outside any runtime saw one");
}
