//! [`serve`]: an accept loop that serves a tower service over HTTP/1 and
//! HTTP/2, every connection a task on the workers.
//!
//! Graceful shutdown, who holds what: the accept loop owns the listener and
//! two watch channels. Every connection task holds a receiver of `signal`
//! (it waits on it to start its own graceful shutdown) and a receiver of
//! `close` (which it drops only once its connection is closed and its
//! socket dropped). When the shutdown signal completes, the loop drops the
//! listener (new connections are refused), sends on `signal`, drops its own
//! `close` receiver and waits for `close`'s sender to see no receiver left:
//! that is the moment the last connection task let go of its socket. A
//! connection accepted before the signal is served to its end; none is
//! accepted after it.

use super::{Executor, Timer};
use crate::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use ::http::{Request, Response};
use ::hyper::body::{Body, Incoming};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use std::error::Error as StdError;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::io;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::watch;

type BoxError = Box<dyn StdError + Send + Sync>;

/// A listener [`serve`] accepts connections on: [`TcpListener`] and
/// [`UnixListener`] (axum's `serve::Listener`, for this runtime's
/// listeners). Implement it to serve on something else (a TLS acceptor
/// around a `TcpListener`, say).
pub trait Listener: Send + 'static {
    /// A connection: something hyper reads and writes.
    type Io: ::hyper::rt::Read + ::hyper::rt::Write + Unpin + Send + 'static;
    /// The peer's address (it names the connection's task).
    type Addr: fmt::Debug + Send + 'static;

    /// Polls for the next connection. Errors are the OS's: [`serve`]
    /// survives the transient ones (see there).
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<(Self::Io, Self::Addr)>>;

    /// The address it listens on.
    fn local_addr(&self) -> io::Result<Self::Addr>;
}

impl Listener for TcpListener {
    type Io = TcpStream;
    type Addr = std::net::SocketAddr;

    /// Accepts with `TCP_NODELAY` set: a response goes out as soon as it is
    /// written.
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, Self::Addr)>> {
        let (stream, addr) = std::task::ready!(TcpListener::poll_accept(self, cx))?;
        // A socket that refuses the option still serves.
        let _ = stream.set_nodelay(true);
        Poll::Ready(Ok((stream, addr)))
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        TcpListener::local_addr(self)
    }
}

impl Listener for UnixListener {
    type Io = UnixStream;
    type Addr = crate::net::unix::SocketAddr;

    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, Self::Addr)>> {
        UnixListener::poll_accept(self, cx)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        UnixListener::local_addr(self)
    }
}

/// Serves `service` on every connection `listener` accepts: axum's
/// `axum::serve`, on this runtime. `.await` it (it runs until the listener
/// fails fatally), or call
/// [`with_graceful_shutdown`](Serve::with_graceful_shutdown) first.
///
/// * `service` is any cloneable tower service of
///   `http::Request<hyper::body::Incoming>`: an axum `Router` as it is
///   (no `into_make_service`), a tonic generated server, a
///   `tower::ServiceBuilder` stack. It is cloned per connection, and per
///   request (as hyper-util's tower adapter and axum do: an axum `Router`
///   is an `Arc` inside).
/// * HTTP/1.1 and HTTP/2 on the same port, told apart by the first bytes
///   (HTTP/2 with prior knowledge; `h2c` upgrades are not negotiated).
///   HTTP/1 upgrades (WebSocket) work.
/// * Each connection is a task named `http connection <peer address>`, so
///   [`task::all_tasks`](crate::task::all_tasks), the dump and the
///   slow-poll reports name it; HTTP/2 streams run on tasks named
///   `http2 stream`. hyper's timers (a 30 s limit to read a request's
///   headers) run on [`Timer`].
/// * Accept errors: a connection that failed before it was accepted
///   (`ECONNABORTED`, `ECONNRESET`) is skipped; running out of descriptors
///   or memory (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`) is reported at
///   WARN (once per streak) and retried every 100 ms, the connection
///   waiting in the backlog; an error that says the listener itself is
///   unusable (`EBADF`, `EINVAL`, `ENOTSOCK`, `EOPNOTSUPP`) ends `serve`
///   with it.
/// * Errors of a connection (a client that went away mid-request) end that
///   connection only, logged at DEBUG.
///
/// ```
/// use runtime::net::TcpListener;
/// use std::future::IntoFuture;
/// # #[derive(Clone)]
/// # struct Hello;
/// # impl tower_service::Service<http::Request<hyper::body::Incoming>> for Hello {
/// #     type Response = http::Response<String>;
/// #     type Error = std::convert::Infallible;
/// #     type Future = std::future::Ready<Result<Self::Response, Self::Error>>;
/// #     fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
/// #         std::task::Poll::Ready(Ok(()))
/// #     }
/// #     fn call(&mut self, _: http::Request<hyper::body::Incoming>) -> Self::Future {
/// #         std::future::ready(Ok(http::Response::new("Hello, World!".into())))
/// #     }
/// # }
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let app = Hello; // an axum Router, a tonic server: any tower service
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let server = runtime::spawn(runtime::hyper::serve(listener, app).into_future());
/// # server.abort();
/// # Ok::<_, std::io::Error>(())
/// # }).unwrap();
/// ```
pub fn serve<L, S, B>(listener: L, service: S) -> Serve<L, S>
where
    L: Listener,
    S: tower_service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    Serve { listener, service }
}

/// What [`serve`] returns: `.await` it, or add a shutdown signal.
#[must_use = "a server does nothing until it is awaited"]
pub struct Serve<L, S> {
    listener: L,
    service: S,
}

impl<L: Listener, S> Serve<L, S> {
    /// Stops accepting when `signal` completes, then lets the open
    /// connections finish: the listener is closed at once (new connections
    /// are refused, as with axum), HTTP/1 connections close after the
    /// response in flight (keep-alive off), HTTP/2 ones get a GOAWAY and
    /// finish their open streams; `.await` returns once every connection
    /// is closed.
    ///
    /// ```
    /// use runtime::net::TcpListener;
    /// use runtime::sync::oneshot;
    /// use std::future::IntoFuture;
    /// # #[derive(Clone)]
    /// # struct Hello;
    /// # impl tower_service::Service<http::Request<hyper::body::Incoming>> for Hello {
    /// #     type Response = http::Response<String>;
    /// #     type Error = std::convert::Infallible;
    /// #     type Future = std::future::Ready<Result<Self::Response, Self::Error>>;
    /// #     fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
    /// #         std::task::Poll::Ready(Ok(()))
    /// #     }
    /// #     fn call(&mut self, _: http::Request<hyper::body::Incoming>) -> Self::Future {
    /// #         std::future::ready(Ok(http::Response::new("Hello, World!".into())))
    /// #     }
    /// # }
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let (stop, stopped) = oneshot::channel::<()>();
    /// let server = runtime::spawn(
    ///     runtime::hyper::serve(listener, Hello)
    ///         .with_graceful_shutdown(async { stopped.await.ok(); })
    ///         .into_future(),
    /// );
    /// stop.send(()).unwrap();
    /// server.await.unwrap()?; // returns once every connection closed
    /// # Ok::<_, std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn with_graceful_shutdown<F>(self, signal: F) -> WithGracefulShutdown<L, S, F>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        WithGracefulShutdown {
            listener: self.listener,
            service: self.service,
            signal,
        }
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<L::Addr> {
        self.listener.local_addr()
    }
}

impl<L, S> fmt::Debug for Serve<L, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Serve").finish_non_exhaustive()
    }
}

/// [`serve`] with a shutdown signal: see [`Serve::with_graceful_shutdown`].
#[must_use = "a server does nothing until it is awaited"]
pub struct WithGracefulShutdown<L, S, F> {
    listener: L,
    service: S,
    signal: F,
}

impl<L: Listener, S, F> WithGracefulShutdown<L, S, F> {
    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<L::Addr> {
        self.listener.local_addr()
    }
}

impl<L, S, F> fmt::Debug for WithGracefulShutdown<L, S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithGracefulShutdown")
            .finish_non_exhaustive()
    }
}

/// The future of a server: `Ok(())` after a graceful shutdown, the
/// listener's error if it failed fatally.
#[must_use = "futures do nothing unless polled"]
pub struct ServeFuture(Pin<Box<dyn Future<Output = io::Result<()>> + Send>>);

impl Future for ServeFuture {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll(cx)
    }
}

impl fmt::Debug for ServeFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServeFuture")
    }
}

impl<L, S, B> IntoFuture for Serve<L, S>
where
    L: Listener,
    S: tower_service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Output = io::Result<()>;
    type IntoFuture = ServeFuture;

    fn into_future(self) -> ServeFuture {
        ServeFuture(Box::pin(run(
            self.listener,
            self.service,
            None::<std::future::Pending<()>>,
        )))
    }
}

impl<L, S, B, F> IntoFuture for WithGracefulShutdown<L, S, F>
where
    L: Listener,
    S: tower_service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    F: Future<Output = ()> + Send + 'static,
{
    type Output = io::Result<()>;
    type IntoFuture = ServeFuture;

    fn into_future(self) -> ServeFuture {
        ServeFuture(Box::pin(run(
            self.listener,
            self.service,
            Some(self.signal),
        )))
    }
}

/// What an accept error means for the loop.
enum AcceptError {
    /// The connection died in the backlog: take the next one.
    Skip,
    /// Out of descriptors or memory: wait, the connection stays queued.
    Pause,
    /// The listener is unusable.
    Fatal,
}

fn classify(e: &io::Error) -> AcceptError {
    match e.raw_os_error() {
        Some(libc::EBADF | libc::EINVAL | libc::ENOTSOCK | libc::EOPNOTSUPP | libc::EFAULT) => {
            AcceptError::Fatal
        }
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM) => AcceptError::Pause,
        _ => match e.kind() {
            io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted => AcceptError::Skip,
            // Unknown: pausing is never wrong (the loop carries on).
            _ => AcceptError::Pause,
        },
    }
}

/// How long the accept loop waits after running out of descriptors.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// The connection builder every connection of one server shares: HTTP/1
/// and HTTP/2 auto-detected, hyper's timers on the runtime's clock (so
/// hyper's default 30 s limit to read a request's headers applies),
/// HTTP/2 streams on tasks named `http2 stream`, and HTTP/2's extended
/// CONNECT (WebSockets over HTTP/2), as `axum::serve` enables it.
fn builder() -> auto::Builder<Executor> {
    let mut builder = auto::Builder::new(Executor::new().name("http2 stream"));
    builder.http1().timer(Timer::new());
    builder
        .http2()
        .timer(Timer::new())
        .enable_connect_protocol();
    builder
}

async fn run<L, S, B, F>(mut listener: L, service: S, signal: Option<F>) -> io::Result<()>
where
    L: Listener,
    S: tower_service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    F: Future<Output = ()> + Send + 'static,
{
    let builder = Arc::new(builder());
    let handle = crate::Handle::current();
    let graceful = signal.is_some();
    let (signal_tx, signal_rx) = watch::channel(());
    let (close_tx, close_rx) = watch::channel(());
    let mut signal = pin!(async move {
        match signal {
            Some(signal) => signal.await,
            None => std::future::pending().await,
        }
    });
    let mut pausing = false;
    loop {
        let accepted = tokio::select! {
            biased;
            () = signal.as_mut() => break,
            accepted = std::future::poll_fn(|cx| listener.poll_accept(cx)) => accepted,
        };
        let (io, peer) = match accepted {
            Ok(conn) => {
                pausing = false;
                conn
            }
            Err(e) => match classify(&e) {
                AcceptError::Skip => continue,
                AcceptError::Fatal => return Err(e),
                AcceptError::Pause => {
                    if !pausing {
                        crate::runtime::report_accept_paused(&e, ACCEPT_PAUSE);
                    }
                    pausing = true;
                    tokio::select! {
                        biased;
                        () = signal.as_mut() => break,
                        () = crate::time::sleep(ACCEPT_PAUSE) => continue,
                    }
                }
            },
        };
        let conn = serve_connection(
            builder.clone(),
            io,
            service.clone(),
            graceful.then(|| (signal_rx.clone(), close_rx.clone())),
        );
        let name = format!("http connection {peer:?}");
        crate::task::Builder::new()
            .name(&name)
            .spawn_on(conn, &handle);
    }
    // Refuse new connections first, then tell the open ones to finish.
    drop(listener);
    drop(signal_rx);
    let _ = signal_tx.send(());
    drop(close_rx);
    close_tx.closed().await;
    Ok(())
}

/// Serves one connection to its end; on the shutdown signal, finishes the
/// requests in flight and closes. `shutdown`: the signal and the `close`
/// receiver (module docs), dropped only after the socket is.
async fn serve_connection<I, S, B>(
    builder: Arc<auto::Builder<Executor>>,
    io: I,
    service: S,
    shutdown: Option<(watch::Receiver<()>, watch::Receiver<()>)>,
) where
    I: ::hyper::rt::Read + ::hyper::rt::Write + Unpin + Send + 'static,
    S: tower_service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let (mut signal, close) = match shutdown {
        Some((signal, close)) => (Some(signal), Some(close)),
        None => (None, None),
    };
    // The block drops the connection, and its socket, before `close`
    // tells the server this connection is closed.
    let res = {
        let mut conn =
            pin!(builder.serve_connection_with_upgrades(io, TowerToHyperService::new(service)));
        match &mut signal {
            None => conn.await,
            Some(signal) => {
                tokio::select! {
                    res = conn.as_mut() => res,
                    // Also when the server future was dropped (the sender
                    // with it): the connection closes gracefully.
                    _ = signal.changed() => {
                        conn.as_mut().graceful_shutdown();
                        conn.as_mut().await
                    }
                }
            }
        }
    };
    if let Err(e) = res {
        tracing::debug!(error = %e, "runtime::hyper::serve: connection ended with an error");
    }
    drop(close);
}
