//! Many jobs from many threads, with aborts and detaches mixed in: every
//! handle resolves, nothing runs twice, aborted-before-start jobs never run.
#![cfg(not(loom))]

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use futures::executor::block_on;
use runtime_blocking::BlockingPool;

#[test]
fn many_spawners_many_jobs() {
    let pool = BlockingPool::builder()
        .max_threads(4)
        .keep_alive(Duration::from_millis(5))
        .build()
        .unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let spawners: Vec<_> = (0..4)
        .map(|s| {
            let pool = pool.clone();
            let runs = runs.clone();
            std::thread::spawn(move || {
                let mut ok = 0;
                let mut cancelled = 0;
                for round in 0..50 {
                    let hs: Vec<_> = (0..40)
                        .map(|i| {
                            let runs = runs.clone();
                            let h = pool.spawn(move || {
                                runs.fetch_add(1, SeqCst);
                                i
                            });
                            if (i + round + s) % 7 == 0 {
                                h.abort();
                            }
                            h
                        })
                        .collect();
                    for (i, h) in hs.into_iter().enumerate() {
                        match block_on(h) {
                            Ok(v) => {
                                assert_eq!(v, i);
                                ok += 1;
                            }
                            Err(e) => {
                                assert!(e.is_cancelled());
                                cancelled += 1;
                            }
                        }
                    }
                    if round % 10 == 0 {
                        std::thread::sleep(Duration::from_millis(10)); // let threads retire
                    }
                }
                (ok, cancelled)
            })
        })
        .collect();
    let (mut ok, mut cancelled) = (0, 0);
    for s in spawners {
        let (o, c) = s.join().unwrap();
        ok += o;
        cancelled += c;
    }
    assert_eq!(ok + cancelled, 4 * 50 * 40);
    assert!(pool.shutdown_timeout(Duration::from_secs(20)));
    assert_eq!(
        runs.load(SeqCst),
        ok,
        "a job ran that was reported cancelled, or ran twice"
    );
    assert!(pool.num_threads() == 0);
}

#[test]
fn shutdown_racing_spawners_resolves_every_handle() {
    for _ in 0..20 {
        let pool = BlockingPool::new(3);
        let runs = Arc::new(AtomicUsize::new(0));
        let spawners: Vec<_> = (0..3)
            .map(|_| {
                let pool = pool.clone();
                let runs = runs.clone();
                std::thread::spawn(move || {
                    (0..200)
                        .map(|_| {
                            let runs = runs.clone();
                            pool.spawn(move || {
                                runs.fetch_add(1, SeqCst);
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        std::thread::sleep(Duration::from_micros(200));
        assert!(pool.shutdown_timeout(Duration::from_secs(20)));
        let mut ok = 0;
        for s in spawners {
            for h in s.join().unwrap() {
                match block_on(h) {
                    Ok(()) => ok += 1,
                    Err(e) => assert!(e.is_cancelled()),
                }
            }
        }
        assert_eq!(runs.load(SeqCst), ok);
    }
}
