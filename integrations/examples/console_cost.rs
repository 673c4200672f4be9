//! What tokio-console's instrumentation costs when a console is watching:
//! a few scheduler workloads, with console-subscriber's layer installed
//! (`--console`) or not. Run both in alternating processes and compare
//! (a single process cannot uninstall a global subscriber):
//!
//! ```text
//! export RUSTFLAGS="--cfg console_without_tokio_unstable" CARGO_TARGET_DIR=target/console
//! cargo build --release -p runtime-integrations --features console --example console_cost
//! for i in 1 2 3; do
//!     target/console/release/examples/console_cost
//!     target/console/release/examples/console_cost --console
//! done
//! ```
//!
//! Prints, per workload, the median time per iteration over `ROUNDS`
//! (default 15) iterations, 2 workers.

use runtime::task;
use std::time::{Duration, Instant};

const SPAWNS: usize = 10_000;
const YIELDERS: usize = 100;
const YIELDS: usize = 1_000;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let console = std::env::args().any(|a| a == "--console");
    if console {
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let layer = console_subscriber::ConsoleLayer::builder()
            .server_addr(([127, 0, 0, 1], port))
            .spawn();
        tracing_subscriber::registry().with(layer).init();
    }
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let time = |f: &dyn Fn()| {
        median(
            (0..rounds)
                .map(|_| {
                    let t = Instant::now();
                    f();
                    t.elapsed()
                })
                .collect(),
        )
    };
    let spawn_many = time(&|| {
        rt.block_on(async {
            let hs: Vec<_> = (0..SPAWNS)
                .map(|i| runtime::spawn(async move { i }))
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        })
    });
    let yield_many = time(&|| {
        rt.block_on(async {
            let hs: Vec<_> = (0..YIELDERS)
                .map(|_| {
                    runtime::spawn(async {
                        for _ in 0..YIELDS {
                            task::yield_now().await;
                        }
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        })
    });
    let which = if console { "console" } else { "plain" };
    println!(
        "{which:8} spawn_many {:>10.2?} ({:.0} ns/task)  yield_many {:>10.2?} ({:.0} ns/poll)",
        spawn_many,
        spawn_many.as_nanos() as f64 / SPAWNS as f64,
        yield_many,
        yield_many.as_nanos() as f64 / (YIELDERS * YIELDS) as f64,
    );
}
