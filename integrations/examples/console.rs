//! A small program to watch in tokio-console: a few named tasks that
//! sleep, tick, talk over a socket, yield and wait forever, on `runtime`
//! built with its `console` feature.
//!
//! ```text
//! RUSTFLAGS="--cfg console_without_tokio_unstable" \
//!     cargo run -p runtime-integrations --features console --example console
//! tokio-console            # in another terminal: connects to 127.0.0.1:6669
//! ```
//!
//! console-subscriber starts only in a program built with
//! `--cfg console_without_tokio_unstable` (or tokio's `tokio_unstable`):
//! the flag says the program knows its runtime is not tokio. Its layer must
//! be the global default subscriber; it serves the console's gRPC API from
//! a tokio thread of its own, which is the only tokio runtime in the
//! program.
//!
//! Runs until Ctrl-C (`--for SECS` to stop by itself).

use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream};
use runtime::task;
use runtime::time;
use std::time::Duration;

fn main() {
    console_subscriber::init();
    let secs: Option<u64> = std::env::args()
        .skip_while(|a| a != "--for")
        .nth(1)
        .map(|s| s.parse().expect("--for SECS"));
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        fn named(name: &str) -> task::Builder<'_> {
            task::Builder::new().name(name)
        }
        named("fetch-1")
            .spawn(async {
                loop {
                    time::sleep(Duration::from_millis(100)).await;
                }
            })
            .unwrap();
        named("ticker")
            .spawn(async {
                let mut every = time::interval(Duration::from_millis(250));
                loop {
                    every.tick().await;
                }
            })
            .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        named("echo-server")
            .spawn(async move {
                loop {
                    let (mut conn, _) = listener.accept().await.unwrap();
                    task::Builder::new()
                        .name("echo")
                        .spawn(async move {
                            let mut buf = [0u8; 64];
                            while let Ok(n @ 1..) = conn.read(&mut buf).await {
                                conn.write_all(&buf[..n]).await.unwrap();
                            }
                        })
                        .unwrap();
                }
            })
            .unwrap();
        named("client")
            .spawn(async move {
                let mut conn = TcpStream::connect(addr).await.unwrap();
                let mut buf = [0u8; 5];
                loop {
                    conn.write_all(b"hello").await.unwrap();
                    conn.read_exact(&mut buf).await.unwrap();
                    time::sleep(Duration::from_millis(500)).await;
                }
            })
            .unwrap();
        named("yielder")
            .spawn(async {
                loop {
                    task::yield_now().await;
                    time::sleep(Duration::from_millis(50)).await;
                }
            })
            .unwrap();
        named("forever")
            .spawn(std::future::pending::<()>())
            .unwrap();
        match secs {
            Some(s) => time::sleep(Duration::from_secs(s)).await,
            None => runtime::signal::ctrl_c().await.unwrap(),
        }
    });
}
