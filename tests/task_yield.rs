//! A task that yields runs again only after the runtime has polled its
//! driver (tokio's "defer"): a task yielding in a loop until an I/O event
//! that has already arrived is seen needs a yield or two, not a
//! maintenance interval's worth.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;

/// Connects (a blocking connect completes at once on loopback: the kernel
/// queues the connection), then yields — through `yield_each` — until the
/// accept in the same task has seen it. Returns how many yields it took.
fn yields_until_accepted<F, Fut>(rt: &runtime::Runtime, yield_each: F) -> usize
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    rt.block_on(async {
        runtime::spawn(async move {
            let listener = runtime::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap();
            let addr = listener.local_addr().unwrap();
            let flag = Arc::new(AtomicBool::new(false));
            let f2 = flag.clone();
            let (_, (yields, _c)) = runtime::join!(
                async move {
                    let _ = listener.accept().await.unwrap();
                    f2.store(true, SeqCst);
                },
                async move {
                    let c = std::net::TcpStream::connect(addr).unwrap();
                    let mut yields = 0;
                    while !flag.load(SeqCst) && yields < 100_000 {
                        yield_each().await;
                        yields += 1;
                    }
                    (yields, c)
                }
            );
            yields
        })
        .await
        .unwrap()
    })
}

fn rt_for(flavor: &str) -> runtime::Runtime {
    match flavor {
        "current_thread" => runtime::Builder::new_current_thread().build().unwrap(),
        // One worker: nobody else polls the driver while it runs the task.
        _ => runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap(),
    }
}

#[test]
fn a_yielding_task_waits_for_the_driver_poll() {
    for flavor in ["current_thread", "multi_thread"] {
        let yields = yields_until_accepted(&rt_for(flavor), runtime::task::yield_now);
        assert!(
            yields < 10,
            "{flavor}: {yields} yields before the accept was seen"
        );
    }
}

#[test]
fn a_task_out_of_budget_waits_for_the_driver_poll() {
    for flavor in ["current_thread", "multi_thread"] {
        // Each `consume_budget` spends one unit; the 128th poll's yield is
        // the budget's.
        let spent = yields_until_accepted(&rt_for(flavor), runtime::task::consume_budget);
        assert!(
            spent < 4 * 128,
            "{flavor}: {spent} budget units before the accept was seen"
        );
    }
}

#[test]
fn two_yielding_tasks_still_alternate_on_the_current_thread_flavor() {
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    rt.block_on(async {
        let tasks: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|name| {
                let log = log.clone();
                runtime::spawn(async move {
                    for _ in 0..3 {
                        log.lock().unwrap().push(name);
                        runtime::task::yield_now().await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(*log.lock().unwrap(), ["a", "b", "a", "b", "a", "b"]);
}
