//! An echo server on `runtime::net`, and clients that check what comes back.
//!
//! The server accepts connections and echoes each one on a task of its
//! own; ten clients connect at once, each sends a few messages and checks
//! the echo, and the program exits once all of them are satisfied.
//!
//! ```text
//! cargo run --example echo                  # server + clients, then exit
//! cargo run --example echo -- 127.0.0.1:7000  # serve there until Ctrl-C
//! ```

use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream};
use std::error::Error;
use std::net::SocketAddr;
use std::time::Instant;

/// Echoes everything a client sends until it shuts its write half.
async fn serve(listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (mut socket, _peer) = match listener.accept().await {
            Ok(conn) => conn,
            // Out of descriptors, say: the connection waits in the backlog;
            // pause instead of retrying in a busy loop.
            Err(e) => {
                eprintln!("accept: {e}");
                runtime::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        runtime::spawn(async move {
            let (mut rd, mut wr) = socket.split();
            if let Err(e) = runtime::io::copy(&mut rd, &mut wr).await {
                eprintln!("echo: {e}");
            }
        });
    }
}

/// Sends `rounds` messages, reading each echo back and checking it.
async fn client(addr: SocketAddr, id: usize, rounds: usize) -> std::io::Result<()> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    for round in 0..rounds {
        let msg = format!("client {id}, message {round}\n");
        stream.write_all(msg.as_bytes()).await?;
        let mut back = vec![0; msg.len()];
        stream.read_exact(&mut back).await?;
        assert_eq!(back, msg.as_bytes(), "the echo differs");
    }
    // Half-close: the server sees EOF, finishes, and closes its side.
    stream.shutdown().await?;
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await?;
    assert!(rest.is_empty(), "nothing after the last echo");
    Ok(())
}

#[runtime::main(worker_threads = 2)]
async fn main() -> Result<(), Box<dyn Error>> {
    if let Some(addr) = std::env::args().nth(1) {
        let listener = TcpListener::bind(addr).await?;
        println!("echo server on {}", listener.local_addr()?);
        return Ok(serve(listener).await?);
    }

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    println!("echo server on {addr}");
    let server = runtime::spawn(serve(listener));

    let (clients, rounds) = (10, 100);
    let start = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|id| runtime::spawn(client(addr, id, rounds)))
        .collect();
    for h in handles {
        h.await??;
    }
    let took = start.elapsed();
    println!(
        "{clients} clients x {rounds} round trips checked in {took:.2?} ({:.1} µs per round trip per client)",
        took.as_secs_f64() * 1e6 / rounds as f64
    );
    // Done: stop accepting, so no task is left pending when `main` returns
    // (the runtime would report it).
    server.abort();
    Ok(())
}
