//! [`Connector`]: hyper-util's `HttpConnector`, on `runtime::net`.

use crate::net::{lookup_host, TcpSocket, TcpStream};
use ::http::Uri;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Opens TCP connections for hyper-util's pooled client: a
/// [`tower::Service<http::Uri>`](tower_service::Service) whose connections
/// are [`TcpStream`]s (hyper's io traits and hyper-util's `Connection`
/// implemented on them), so that
///
/// ```
/// use runtime::hyper::{Connector, Executor, Timer};
///
/// // The request body type: `http_body_util::Full<Bytes>` in most programs.
/// let client = hyper_util::client::legacy::Client::builder(Executor::new())
///     .timer(Timer::new())
///     .build::<_, String>(Connector::new());
/// # drop(client);
/// ```
///
/// is the whole client (pooled keep-alive connections, HTTP/1, HTTP/2 with
/// `.http2_only(true)`), with no tokio runtime anywhere.
///
/// What it does for a URI, as hyper-util's `HttpConnector` does:
/// * only `http://` unless [`enforce_http(false)`](Self::enforce_http)
///   (for a TLS layer wrapping it); the port defaults to 80 (443 for
///   `https`);
/// * an IP literal is used as it is; a host name is resolved with
///   [`net::lookup_host`](crate::net::lookup_host), on the runtime's
///   blocking pool;
/// * each address is tried in turn, the
///   [`connect_timeout`](Self::connect_timeout) shared evenly among them,
///   and the first connection made is returned, or the last error;
/// * `TCP_NODELAY` is set (as reqwest does; [`nodelay`](Self::nodelay)).
///
/// Responses carry the connection's addresses as an
/// [`HttpInfo`](super::HttpInfo) extension. Addresses are tried in the
/// order the resolver gives them (no "happy eyeballs" race between IPv6
/// and IPv4).
#[derive(Clone)]
pub struct Connector {
    connect_timeout: Option<Duration>,
    nodelay: bool,
    enforce_http: bool,
    keepalive: Option<Duration>,
}

impl Connector {
    /// `http://` only, `TCP_NODELAY` on, a 10 s connect timeout, no TCP
    /// keep-alive probes.
    pub fn new() -> Connector {
        Connector {
            connect_timeout: Some(Duration::from_secs(10)),
            nodelay: true,
            enforce_http: true,
            keepalive: None,
        }
    }

    /// How long connecting may take in all, shared evenly among the
    /// addresses a host resolves to (default 10 s); `None`: as long as the
    /// OS tries (about two minutes on Linux for an address that never
    /// answers). Running out fails the request with a
    /// [`TimedOut`](io::ErrorKind::TimedOut) error.
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Connector {
        self.connect_timeout = timeout;
        self
    }

    /// Sets `TCP_NODELAY` on each connection (default on).
    pub fn nodelay(mut self, nodelay: bool) -> Connector {
        self.nodelay = nodelay;
        self
    }

    /// Refuses URIs whose scheme is not `http` (default on). Turn it off
    /// when a TLS connector wraps this one and gets `https` URIs.
    pub fn enforce_http(mut self, enforce: bool) -> Connector {
        self.enforce_http = enforce;
        self
    }

    /// Sends TCP keep-alive probes after the connection has been idle for
    /// `idle` (default `None`: none).
    pub fn keepalive(mut self, idle: Option<Duration>) -> Connector {
        self.keepalive = idle;
        self
    }

    async fn connect(self, uri: Uri) -> io::Result<TcpStream> {
        let (host, port) = self.host_port(&uri)?;
        let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => lookup_host((host, port)).await?.collect(),
        };
        if addrs.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{host} resolved to no address"),
            ));
        }
        let per_addr = self
            .connect_timeout
            .map(|t| t / u32::try_from(addrs.len()).unwrap_or(u32::MAX));
        let mut last = None;
        for addr in addrs {
            match self.connect_one(addr, per_addr).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("no address to connect to")))
    }

    /// The host (IPv6 brackets stripped) and port `uri` names.
    fn host_port<'u>(&self, uri: &'u Uri) -> io::Result<(&'u str, u16)> {
        let invalid = |msg: String| io::Error::new(io::ErrorKind::InvalidInput, msg);
        let scheme = uri.scheme_str();
        if self.enforce_http && scheme != Some("http") {
            return Err(invalid(format!(
                "invalid URL {uri}: the scheme is not http (runtime::hyper::Connector is plain \
                 TCP; for https wrap it in a TLS connector and set enforce_http(false))"
            )));
        }
        let host = uri
            .host()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| invalid(format!("invalid URL {uri}: no host")))?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let port = match (uri.port_u16(), scheme) {
            (Some(port), _) => port,
            (None, Some("https")) => 443,
            (None, _) => 80,
        };
        Ok((host, port))
    }

    async fn connect_one(
        &self,
        addr: SocketAddr,
        timeout: Option<Duration>,
    ) -> io::Result<TcpStream> {
        let socket = TcpSocket::new_for_addr(addr)?;
        if let Some(idle) = self.keepalive {
            let ka = socket2::TcpKeepalive::new().with_time(idle);
            socket2::SockRef::from(&socket).set_tcp_keepalive(&ka)?;
        }
        if self.nodelay {
            socket.set_nodelay(true)?;
        }
        match timeout {
            Some(t) => crate::time::timeout(t, socket.connect(addr))
                .await
                .map_err(|_| {
                    io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("connecting to {addr} timed out after {t:?}"),
                    )
                })?,
            None => socket.connect(addr).await,
        }
    }
}

impl Default for Connector {
    fn default() -> Connector {
        Connector::new()
    }
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connector")
            .field("connect_timeout", &self.connect_timeout)
            .field("nodelay", &self.nodelay)
            .field("enforce_http", &self.enforce_http)
            .field("keepalive", &self.keepalive)
            .finish()
    }
}

/// The future of [`Connector`]'s `call`: a connection or the error that
/// stopped it.
pub struct Connecting(Pin<Box<dyn Future<Output = io::Result<TcpStream>> + Send>>);

impl Future for Connecting {
    type Output = io::Result<TcpStream>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx)
    }
}

impl fmt::Debug for Connecting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Connecting")
    }
}

impl tower_service::Service<Uri> for Connector {
    type Response = TcpStream;
    type Error = io::Error;
    type Future = Connecting;

    /// Always ready: each call makes its own connection.
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Connecting {
        Connecting(Box::pin(self.clone().connect(uri)))
    }
}
