//! `#[runtime::main]` and `#[runtime::test]`, run for real. The trybuild
//! cases (expansions that compile and run, misuse that must fail with the
//! checked-in messages) are in `ui/`, a package of their own
//! so that building this one's examples and tests never compiles trybuild.

use std::error::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[runtime::test]
async fn default_flavor_is_current_thread() {
    let test_thread = std::thread::current().id();
    let task_thread = runtime::spawn(async { std::thread::current().id() })
        .await
        .unwrap();
    assert_eq!(task_thread, test_thread);
}

#[runtime::test(flavor = "current_thread")]
async fn current_thread_runs_tasks_in_spawn_order() {
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let handles: Vec<_> = (0..5)
        .map(|i| {
            let order = Arc::clone(&order);
            runtime::spawn(async move { order.lock().unwrap().push(i) })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(*order.lock().unwrap(), vec![0, 1, 2, 3, 4]);
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread_spawns_and_joins() {
    let ran = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..100usize)
        .map(|i| {
            let ran = Arc::clone(&ran);
            runtime::spawn(async move {
                ran.fetch_add(1, Ordering::Relaxed);
                i
            })
        })
        .collect();
    let mut sum = 0;
    for h in handles {
        sum += h.await.unwrap();
    }
    assert_eq!(sum, 99 * 100 / 2);
    assert_eq!(ran.load(Ordering::Relaxed), 100);
    let test_thread = std::thread::current().id();
    let worker = runtime::spawn(async { std::thread::current().id() })
        .await
        .unwrap();
    assert_ne!(worker, test_thread, "tasks run on the worker threads");
}

#[runtime::test]
async fn returns_result() -> Result<(), Box<dyn Error>> {
    let n: u32 = "20".parse()?;
    let m = runtime::spawn(async move { n + 1 }).await?;
    assert_eq!(m, 21);
    Ok(())
}

#[runtime::test(flavor = "multi_thread")]
async fn question_mark_returns_the_error() -> Result<(), Box<dyn Error>> {
    async fn fails() -> Result<(), Box<dyn Error>> {
        let _: u32 = "not a number".parse()?;
        Ok(())
    }
    let err = fails().await.unwrap_err();
    assert!(err.to_string().contains("invalid digit"), "{err}");
    Ok(())
}

#[runtime::test]
#[should_panic(expected = "boom from the test body")]
async fn should_panic_sees_the_body_panic() {
    runtime::task::yield_now().await;
    panic!("boom from the test body");
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
#[should_panic(expected = "task failed")]
async fn should_panic_on_multi_thread() {
    let joined = runtime::spawn(async { panic!("inside a task") }).await;
    assert!(joined.unwrap_err().is_panic());
    panic!("task failed");
}

#[runtime::test]
#[ignore = "shows that #[ignore] is kept; run with --ignored"]
async fn ignored_test() {
    assert_eq!(runtime::spawn(async { 1 }).await.unwrap(), 1);
}

#[runtime::test(crate = "runtime")]
async fn crate_argument() {
    assert_eq!(runtime::spawn(async { 2 }).await.unwrap(), 2);
}

/// A `#[runtime::main]` function other than `main` blocks on its own runtime.
#[runtime::main(worker_threads = 2)]
async fn sum_on_own_runtime(n: u64) -> u64 {
    let handles: Vec<_> = (1..=n).map(|i| runtime::spawn(async move { i })).collect();
    let mut sum = 0;
    for h in handles {
        sum += h.await.unwrap();
    }
    sum
}

#[test]
fn main_attribute_on_a_plain_fn() {
    assert_eq!(sum_on_own_runtime(10), 55);
}

#[runtime::test(start_paused = true)]
async fn start_paused_makes_an_hour_instant() {
    let wall = std::time::Instant::now();
    let start = runtime::time::Instant::now();
    runtime::time::sleep(std::time::Duration::from_secs(3600)).await;
    assert_eq!(start.elapsed(), std::time::Duration::from_secs(3600));
    assert!(wall.elapsed() < std::time::Duration::from_secs(1));
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2, max_blocking_threads = 1)]
async fn test_attribute_passes_max_blocking_threads() {
    let a = runtime::spawn_blocking(|| 1);
    let b = runtime::spawn_blocking(|| 2);
    assert_eq!(a.await.unwrap() + b.await.unwrap(), 3);
    assert!(runtime::Handle::current().metrics().num_blocking_threads() <= 1);
}
