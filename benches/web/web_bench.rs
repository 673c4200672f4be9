//! The programs of `benches/web.sh`: the same axum app served by
//! `runtime::hyper::serve` or by `axum::serve` on tokio, and the same
//! client work (100 GETs, 10 at a time) done by runtime's built-in hyper
//! client, by reqwest on tokio, or by reqwest on runtime through the tokio
//! bridge.
//!
//! ```text
//! web_bench server runtime|tokio ADDR          # serves until killed
//! web_bench client builtin|reqwest-tokio|reqwest-bridge URL ROUNDS
//!     # prints one line per round: the round's wall time in µs
//! web_bench threads URL
//!     # the process's threads: with a runtime, then with the bridge, then
//!     # after reqwest used it
//! ```
//!
//! `BENCH_WORKERS` (default 2) sets the worker count of every runtime here
//! (and the bridge's thread count).

use axum::routing::get;
use axum::{Json, Router};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

/// TechEmpower's plaintext and JSON routes.
fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "Hello, World!" }))
        .route(
            "/json",
            get(|| async {
                Json(Message {
                    message: "Hello, World!",
                })
            }),
        )
}

fn workers() -> usize {
    std::env::var("BENCH_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .filter(|&w| w > 0)
        .unwrap_or(2)
}

/// GETs done per round, and how many at a time.
const GETS: usize = 100;
const AT_ONCE: usize = 10;

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    match (arg(0), arg(1)) {
        ("server", "runtime") => {
            let rt = runtime::Builder::new_multi_thread()
                .worker_threads(workers())
                .build()?;
            rt.block_on(async {
                let listener = runtime::net::TcpListener::bind(arg(2)).await?;
                runtime::hyper::serve(listener, app()).await
            })?;
        }
        ("server", "tokio") => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers())
                .enable_all()
                .build()?;
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind(arg(2)).await?;
                // axum::serve sets no TCP_NODELAY by default; runtime's
                // serve does: set it here too, for the same wire behaviour.
                let listener = axum::serve::ListenerExt::tap_io(listener, |s| {
                    let _ = s.set_nodelay(true);
                });
                axum::serve(listener, app()).await
            })?;
        }
        ("threads", _) => threads(arg(1))?,
        ("client", kind) => {
            let url: String = arg(2).to_string();
            let rounds: usize = arg(3).parse().unwrap_or(100);
            let times = match kind {
                "builtin" => builtin(&url, rounds)?,
                "reqwest-tokio" => reqwest_tokio(&url, rounds)?,
                "reqwest-bridge" => reqwest_bridge(&url, rounds)?,
                _ => return Err(format!("unknown client {kind:?}").into()),
            };
            for t in times {
                println!("{t}");
            }
        }
        _ => {
            return Err(
                "usage: web_bench server runtime|tokio ADDR | web_bench client \
                        builtin|reqwest-tokio|reqwest-bridge URL ROUNDS"
                    .into(),
            )
        }
    }
    Ok(())
}

fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

/// What the bridge adds to a process, in threads.
fn threads(url: &str) -> Result<(), BoxError> {
    let before = thread_count();
    let plain = runtime::Builder::new_multi_thread()
        .worker_threads(workers())
        .build()?;
    let with_runtime = thread_count();
    drop(plain);
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(workers())
        .tokio_bridge_threads(workers())
        .build()?;
    let with_bridge = thread_count();
    rt.block_on(async {
        reqwest::get(url).await?.bytes().await?;
        Ok::<_, BoxError>(())
    })?;
    println!(
        "threads: {before} at start; {with_runtime} with a runtime of {} workers; \
         {with_bridge} with the bridge ({} threads); {} after a reqwest GET through it",
        workers(),
        workers(),
        thread_count()
    );
    Ok(())
}

/// Runs `round` once to warm the pool, then `rounds` times, timing each.
async fn timed<F, Fut>(rounds: usize, mut round: F) -> Result<Vec<u128>, BoxError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), BoxError>>,
{
    round().await?;
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        round().await?;
        times.push(start.elapsed().as_micros());
    }
    Ok(times)
}

fn builtin(url: &str, rounds: usize) -> Result<Vec<u128>, BoxError> {
    use runtime::hyper::{Connector, Executor, Timer};
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(workers())
        .build()?;
    let times = rt.block_on(async {
        let client = hyper_util::client::legacy::Client::builder(Executor::new())
            .timer(Timer::new())
            .build::<_, Empty<Bytes>>(Connector::new());
        let uri: http::Uri = url.parse()?;
        let sem = Arc::new(runtime::sync::Semaphore::new(AT_ONCE));
        timed(rounds, || {
            let gets = (0..GETS).map(|_| {
                let (client, uri, sem) = (client.clone(), uri.clone(), sem.clone());
                async move {
                    let _permit = sem.acquire().await?;
                    let res = client.get(uri).await?;
                    res.into_body().collect().await?;
                    Ok::<_, BoxError>(())
                }
            });
            async move {
                for r in runtime::task::gather(gets).await {
                    r?;
                }
                Ok(())
            }
        })
        .await
    });
    // The pool's connection tasks are still open: cancel them on purpose.
    rt.shutdown_timeout(std::time::Duration::from_secs(1));
    times
}

async fn reqwest_round(
    client: &reqwest::Client,
    url: &str,
    sem: &Arc<tokio::sync::Semaphore>,
) -> Result<(), BoxError> {
    let gets = (0..GETS).map(|_| async {
        let _permit = sem.acquire().await?;
        client.get(url).send().await?.bytes().await?;
        Ok::<_, BoxError>(())
    });
    for r in futures::future::join_all(gets).await {
        r?;
    }
    Ok(())
}

fn reqwest_tokio(url: &str, rounds: usize) -> Result<Vec<u128>, BoxError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers())
        .enable_all()
        .build()?;
    rt.block_on(async {
        let client = reqwest::Client::new();
        let sem = Arc::new(tokio::sync::Semaphore::new(AT_ONCE));
        timed(rounds, || reqwest_round(&client, url, &sem)).await
    })
}

fn reqwest_bridge(url: &str, rounds: usize) -> Result<Vec<u128>, BoxError> {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(workers())
        .tokio_bridge_threads(workers())
        .build()?;
    rt.block_on(async {
        let client = reqwest::Client::new();
        let sem = Arc::new(tokio::sync::Semaphore::new(AT_ONCE));
        timed(rounds, || reqwest_round(&client, url, &sem)).await
    })
}
