//! The hyper hello-world server of `integrations/examples/http.rs`, on smol
//! (async-executor on `BENCH_WORKERS` threads, default 2; async-io's reactor
//! and async-net's sockets; smol-hyper's adapters): a baseline of
//! `benches/hyper.sh`. Serves forever on the address given (default
//! 127.0.0.1:3002).

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, World!",
    ))))
}

fn main() {
    let workers = runtime_benches::workers();
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3002".into());
    let ex = Arc::new(async_executor::Executor::new());
    for _ in 1..workers {
        let ex = ex.clone();
        std::thread::spawn(move || {
            async_io::block_on(ex.run(futures_lite::future::pending::<()>()))
        });
    }
    let server = {
        let ex = ex.clone();
        async move {
            let listener = async_net::TcpListener::bind(&addr).await.unwrap();
            println!("serving on http://{addr} (smol, {workers} workers)");
            loop {
                let (stream, _) = match listener.accept().await {
                    Ok(s) => s,
                    Err(e) => {
                        eprintln!("accept: {e}");
                        async_io::Timer::after(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                ex.spawn(async move {
                    let conn = hyper::server::conn::http1::Builder::new().serve_connection(
                        smol_hyper::rt::FuturesIo::new(stream),
                        service_fn(hello),
                    );
                    if let Err(e) = conn.await {
                        eprintln!("connection: {e}");
                    }
                })
                .detach();
            }
        }
    };
    // This thread is the last of the `workers` runners.
    async_io::block_on(ex.run(server));
}
