//! `serve(..).with_graceful_shutdown(signal)` with requests in flight. Its
//! own test binary (one test): it counts the process's open sockets,
//! which tests running beside it would change.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use runtime::hyper::{serve, Connector, Executor, Timer};
use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream};
use runtime::sync::{oneshot, Notify, Semaphore};
use std::future::IntoFuture;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

/// The process's open sockets (the runtime's own descriptors, its epoll,
/// eventfd and the timerfd it makes at its first timed park, are not
/// sockets).
fn open_sockets() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|link| link.to_string_lossy().starts_with("socket:"))
        .count()
}

fn list_fds() -> String {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Waits (bounded) until the process has `want` sockets open: a
/// connection task closes its socket a moment after its peer saw the
/// response.
async fn settle_sockets(want: usize) -> usize {
    let mut now = open_sockets();
    for _ in 0..500 {
        if now == want {
            break;
        }
        runtime::time::sleep(Duration::from_millis(10)).await;
        now = open_sockets();
    }
    now
}

#[derive(Clone)]
struct Gate {
    arrived: Arc<AtomicUsize>,
    all_in: Arc<Notify>,
    release: Arc<Semaphore>,
    expected: usize,
}

async fn wait_at_gate(State(gate): State<Gate>) -> &'static str {
    if gate.arrived.fetch_add(1, SeqCst) + 1 == gate.expected {
        gate.all_in.notify_one();
    }
    gate.release.acquire().await.unwrap().forget();
    "done"
}

/// 50 requests in flight (40 HTTP/1 connections, 10 HTTP/2 streams on one
/// connection) when the signal comes: the listener closes at once (new
/// connections are refused), every one of the 50 completes with its
/// response, each HTTP/1 connection is then closed by the server (EOF, no
/// keep-alive), `serve` returns, and every socket it opened is closed.
#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_finishes_the_requests_in_flight() {
    let before = open_sockets();
    let gate = Gate {
        arrived: Arc::default(),
        all_in: Arc::default(),
        release: Arc::new(Semaphore::new(0)),
        expected: 50,
    };
    let app = Router::new()
        .route("/wait", get(wait_at_gate))
        .with_state(gate.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = runtime::spawn(
        serve(listener, app)
            .with_graceful_shutdown(async {
                stopped.await.ok();
            })
            .into_future(),
    );

    let h1: Vec<_> = (0..40)
        .map(|_| {
            runtime::spawn(async move {
                let mut s = TcpStream::connect(addr).await.unwrap();
                s.write_all(b"GET /wait HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .await
                    .unwrap();
                // To EOF: the server must close the connection after the
                // response, since it is shutting down. (Whether the response
                // says `connection: close` depends on whether the connection
                // task saw the signal before the handler returned.)
                let mut answer = Vec::new();
                s.read_to_end(&mut answer).await.unwrap();
                String::from_utf8(answer).unwrap()
            })
        })
        .collect();
    let h2 = Client::builder(Executor::new())
        .timer(Timer::new())
        .http2_only(true)
        .build::<_, Full<Bytes>>(Connector::new());
    let url: http::Uri = format!("http://{addr}/wait").parse().unwrap();
    let h2_requests: Vec<_> = (0..10)
        .map(|_| {
            let (client, url) = (h2.clone(), url.clone());
            runtime::spawn(async move {
                let res = client.get(url).await.unwrap();
                assert_eq!(res.version(), http::Version::HTTP_2);
                res.into_body().collect().await.unwrap().to_bytes()
            })
        })
        .collect();

    gate.all_in.notified().await;
    stop.send(()).unwrap();
    // The listener closes: a new connection is refused (polled, since the
    // accept loop sees the signal on a worker of its own).
    let mut refused = false;
    for _ in 0..500 {
        match TcpStream::connect(addr).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                refused = true;
                break;
            }
            // Queued in the backlog as the listener closed: reset.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            Err(e) => panic!("connecting after the signal: {e}"),
            Ok(s) => drop(s),
        }
        runtime::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        refused,
        "the listener still accepted connections after the signal"
    );
    assert!(
        !server.is_finished(),
        "serve returned with requests in flight"
    );

    gate.release.add_permits(50);
    for h in h1 {
        let answer = h.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.ends_with("done"), "{answer}");
    }
    for r in h2_requests {
        assert_eq!(r.await.unwrap(), "done");
    }
    server.await.unwrap().unwrap();
    drop(h2);
    let after = settle_sockets(before).await;
    assert_eq!(
        after,
        before,
        "sockets left open after the shutdown: {}",
        list_fds()
    );
}
