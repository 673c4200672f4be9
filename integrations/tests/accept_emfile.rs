//! `serve` survives running out of descriptors. Its own test binary (one
//! test): it lowers the process's descriptor limit.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use runtime::hyper::{serve, Listener};
use runtime::net::{TcpListener, TcpStream};
use std::future::IntoFuture;
use std::io;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// A `TcpListener` that counts the `EMFILE` errors its accepts return (and
/// shows that `serve` takes listeners of the user's own).
struct Counting {
    inner: TcpListener,
    emfile: Arc<AtomicUsize>,
}

impl Listener for Counting {
    type Io = runtime::net::TcpStream;
    type Addr = std::net::SocketAddr;

    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<(Self::Io, Self::Addr)>> {
        let res = Listener::poll_accept(&mut self.inner, cx);
        if let Poll::Ready(Err(e)) = &res {
            if e.raw_os_error() == Some(libc::EMFILE) {
                self.emfile.fetch_add(1, SeqCst);
            }
        }
        res
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Listener::local_addr(&self.inner)
    }
}

fn set_nofile(limit: libc::rlim_t) -> libc::rlim_t {
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit write to and read from the valid structs.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut old), 0);
        let new = libc::rlimit {
            rlim_cur: limit,
            rlim_max: old.rlim_max,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &new), 0);
    }
    old.rlim_cur
}

/// Opens descriptors until the process has none left.
fn exhaust() -> Vec<OwnedFd> {
    let mut held = Vec::new();
    while let Ok(f) = std::fs::File::open("/dev/null") {
        held.push(OwnedFd::from(f));
        assert!(held.len() < 100_000, "the descriptor limit did not hold");
    }
    held
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_survives_emfile_and_serves_the_queued_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let emfile = Arc::new(AtomicUsize::new(0));
    let counting = Counting {
        inner: listener,
        emfile: emfile.clone(),
    };
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "still here" }));
    let server = runtime::spawn(serve(counting, app).into_future());

    // Room for ~16 more descriptors, then take all of them but one: the
    // client's socket gets the last, the server's accept gets EMFILE.
    let open = std::fs::read_dir("/proc/self/fd").unwrap().count() as libc::rlim_t;
    let old = set_nofile(open + 16);
    let mut held = exhaust();
    drop(held.pop());
    let stream = TcpStream::connect(addr).await.unwrap();
    for _ in 0..1000 {
        if emfile.load(SeqCst) > 0 {
            break;
        }
        runtime::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(emfile.load(SeqCst) > 0, "the accept never hit EMFILE");
    assert!(!server.is_finished(), "serve gave up on EMFILE");

    // Descriptors come back: the queued connection is accepted and served.
    drop(held);
    set_nofile(old);
    let (mut send, conn) = hyper::client::conn::http1::handshake(stream).await.unwrap();
    runtime::spawn(conn);
    let req = http::Request::get("/")
        .header("host", "localhost")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let res = send.send_request(req).await.unwrap();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, "still here");
    assert!(!server.is_finished());
    server.abort();
}
