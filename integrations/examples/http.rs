//! A hyper 1.x "Hello, World!" HTTP/1.1 server on `runtime::net`.
//!
//! hyper is runtime-agnostic: it needs an I/O type (our `TcpStream`,
//! through hyper-util's `TokioIo`, which adapts tokio's `AsyncRead`/
//! `AsyncWrite` — implemented by every `runtime::net` stream — to hyper's
//! traits), an executor for background tasks (`runtime::spawn`) and a timer
//! (`runtime::time`). The last two are a few lines each, below.
//!
//! By default the server answers 1 000 requests that the program sends
//! itself (4 keep-alive connections, every response checked), then exits.
//! To load-test it, serve forever and point a load generator at it:
//!
//! ```text
//! cargo run -p runtime-integrations --features hyper --example http    # self-test, exits
//! cargo run --release -p runtime-integrations --features hyper --example http -- --serve 127.0.0.1:3000
//! oha -z 10s -c 50 http://127.0.0.1:3000/
//! ```
//!
//! `RUNTIME_WORKERS=n` sets the worker count (default 2).

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use runtime::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use runtime::net::{TcpListener, TcpStream};
use std::convert::Infallible;
use std::error::Error;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

const BODY: &str = "Hello, World!";

async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        BODY.as_bytes(),
    ))))
}

/// hyper's executor: its background futures become runtime tasks.
#[derive(Clone, Copy, Debug)]
struct RuntimeExecutor;

impl<F> hyper::rt::Executor<F> for RuntimeExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, fut: F) {
        runtime::spawn(fut);
    }
}

/// hyper's timer (header-read timeouts, keep-alive): `runtime::time`.
#[derive(Clone, Copy, Debug)]
struct RuntimeTimer;

/// A `runtime::time::Sleep` as hyper's `Sleep`.
struct HyperSleep(Pin<Box<runtime::time::Sleep>>);

impl Future for HyperSleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.as_mut().poll(cx)
    }
}

impl hyper::rt::Sleep for HyperSleep {}

impl hyper::rt::Timer for RuntimeTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep(Box::pin(runtime::time::sleep(duration))))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        let deadline = runtime::time::Instant::from_std(deadline);
        Box::pin(HyperSleep(Box::pin(runtime::time::sleep_until(deadline))))
    }
}

/// Accepts connections forever, serving each on a task of its own.
async fn serve(listener: TcpListener) {
    let exec = RuntimeExecutor;
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors, say: pause rather than spin.
                eprintln!("accept: {e}");
                runtime::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        hyper::rt::Executor::execute(&exec, async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(RuntimeTimer)
                .header_read_timeout(Duration::from_secs(30))
                .serve_connection(TokioIo::new(stream), service_fn(hello));
            if let Err(e) = conn.await {
                eprintln!("connection: {e}");
            }
        });
    }
}

/// Sends `requests` GETs on one keep-alive connection, checking each
/// response (a minimal HTTP/1.1 client: status line, headers, a body of
/// `Content-Length` bytes).
async fn client(addr: SocketAddr, requests: usize) -> Result<(), Box<dyn Error + Send + Sync>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let mut stream = BufReader::new(stream);
    for _ in 0..requests {
        stream
            .get_mut()
            .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await?;
        let mut line = String::new();
        stream.read_line(&mut line).await?;
        if !line.starts_with("HTTP/1.1 200") {
            return Err(format!("unexpected status line {line:?}").into());
        }
        let mut len = None;
        loop {
            line.clear();
            stream.read_line(&mut line).await?;
            if line == "\r\n" {
                break;
            }
            let (name, value) = line.split_once(':').ok_or("a malformed header")?;
            if name.eq_ignore_ascii_case("content-length") {
                len = Some(value.trim().parse::<usize>()?);
            }
        }
        let mut body = vec![0; len.ok_or("no Content-Length")?];
        stream.read_exact(&mut body).await?;
        if body != BODY.as_bytes() {
            return Err(format!("unexpected body {:?}", String::from_utf8_lossy(&body)).into());
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let workers = std::env::var("RUNTIME_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(2);
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .build()?;
    let mut args = std::env::args().skip(1);
    let res = rt.block_on(async {
        if args.next().as_deref() == Some("--serve") {
            let addr = args.next().unwrap_or_else(|| "127.0.0.1:3000".into());
            let listener = TcpListener::bind(addr).await?;
            println!(
                "serving on http://{} ({workers} workers)",
                listener.local_addr()?
            );
            serve(listener).await;
            return Ok(());
        }

        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = runtime::spawn(serve(listener));
        let (connections, per_connection) = (4, 250);
        let start = Instant::now();
        let clients: Vec<_> = (0..connections)
            .map(|_| runtime::spawn(client(addr, per_connection)))
            .collect();
        for c in clients {
            c.await??;
        }
        let took = start.elapsed();
        let total = connections * per_connection;
        println!(
            "{total} requests over {connections} connections answered and checked in {took:.2?} \
             ({:.0} req/s)",
            total as f64 / took.as_secs_f64()
        );
        server.abort();
        Ok(())
    });
    // hyper's connection tasks may still be closing: cancel them on
    // purpose (dropping the runtime would report them as left pending).
    rt.shutdown_timeout(Duration::from_secs(1));
    res
}
