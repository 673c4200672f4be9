//! asyncio's "parallel HTTP requests" with runtime's built-in hyper
//! client: `gather` over many fetches, at most 10 at a time (a
//! `Semaphore`), over pooled keep-alive connections.
//!
//! ```python
//! async def fetch(session, url, sem):
//!     async with sem:
//!         async with session.get(url) as resp:
//!             return url, resp.status, len(await resp.read())
//!
//! async def main(urls):
//!     sem = asyncio.Semaphore(10)
//!     async with aiohttp.ClientSession() as session:
//!         return await asyncio.gather(*(fetch(session, u, sem) for u in urls))
//! ```
//!
//! ```text
//! cargo run -p runtime-integrations --features ecosystem --example parallel_requests -- http://example.com/ ...
//! ```
//!
//! Without URLs it starts a local server of 100 pages (each answered after
//! 10 ms) and fetches them all.

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use runtime::hyper::{Connector, Executor, Timer};
use runtime::sync::Semaphore;
use runtime::task;
use std::sync::Arc;
use std::time::Instant;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type HttpClient = Client<Connector, Empty<Bytes>>;

async fn fetch(
    client: HttpClient,
    url: String,
    sem: Arc<Semaphore>,
) -> Result<(String, u16, usize), BoxError> {
    let _permit = sem.acquire().await?; // async with sem:
    let res = client.get(url.parse()?).await?;
    let status = res.status().as_u16();
    let body = res.into_body().collect().await?.to_bytes();
    Ok((url, status, body.len()))
}

#[runtime::main]
async fn main() -> Result<(), BoxError> {
    let urls: Vec<String> = std::env::args().skip(1).collect();
    let (urls, demo) = match urls.is_empty() {
        false => (urls, None),
        true => {
            let (addr, server) = demo_server().await?;
            let pages = (0..100).map(|i| format!("http://{addr}/page/{i}"));
            (pages.collect(), Some(server))
        }
    };
    let start = Instant::now();

    let client: HttpClient = Client::builder(Executor::new())
        .timer(Timer::new())
        .build(Connector::new());
    let sem = Arc::new(Semaphore::new(10));
    let fetches = urls
        .into_iter()
        .map(|url| fetch(client.clone(), url, sem.clone()));
    let results = task::gather(fetches).await; // asyncio.gather(*fetches)
    for result in results.iter().take(3) {
        match result {
            Ok((url, status, len)) => println!("{url}: {status}, {len} bytes"),
            Err(e) => println!("error: {e}"),
        }
    }

    let ok = results
        .iter()
        .filter(|r| matches!(r, Ok((_, 200, _))))
        .count();
    println!(
        "{ok} of {} fetched with status 200 in {:.2?}",
        results.len(),
        start.elapsed()
    );
    if let Some(stop) = demo {
        drop(client); // closes its pooled connections
        stop.await?;
    }
    if ok != results.len() {
        return Err("some fetches failed".into());
    }
    Ok(())
}

/// 100 pages, each answered after 10 ms: fetched one at a time they would
/// take a second; 10 at a time, about a tenth of that. Returns the
/// server's address and a future that stops it gracefully.
async fn demo_server() -> Result<
    (
        std::net::SocketAddr,
        impl std::future::Future<Output = Result<(), BoxError>>,
    ),
    BoxError,
> {
    use axum::extract::Path;
    let app = axum::Router::new().route(
        "/page/{n}",
        axum::routing::get(|Path(n): Path<u32>| async move {
            runtime::time::sleep(std::time::Duration::from_millis(10)).await;
            format!("page {n}")
        }),
    );
    let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = runtime::sync::oneshot::channel::<()>();
    let server = runtime::spawn(std::future::IntoFuture::into_future(
        runtime::hyper::serve(listener, app).with_graceful_shutdown(async {
            stopped.await.ok();
        }),
    ));
    Ok((addr, async move {
        stop.send(()).ok();
        Ok(server.await??)
    }))
}
