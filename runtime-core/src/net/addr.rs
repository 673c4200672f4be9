//! [`ToSocketAddrs`] (what `bind`, `connect` and `send_to` accept) and
//! [`lookup_host`]: addresses written as literals are used as they are;
//! host names are resolved by the OS resolver (`getaddrinfo`, which blocks)
//! on the current runtime's blocking pool.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::option;
use std::vec;

/// What can be turned into socket addresses: tokio's trait of the same
/// name, implemented for the same types — [`SocketAddr`],
/// [`SocketAddrV4`], [`SocketAddrV6`], `(IpAddr, u16)`, `(Ipv4Addr, u16)`,
/// `(Ipv6Addr, u16)`, `&[SocketAddr]`, `str` / [`String`] (`"host:port"`),
/// `(&str, u16)` / `(String, u16)`, and references to all of those.
///
/// A literal address (`"127.0.0.1:8080"`, `("::1", 80)`) is parsed on the
/// spot; anything else is a host name, looked up on the runtime's blocking
/// pool (as [`lookup_host`] does).
///
/// The trait is sealed: its method is private, so it cannot be implemented
/// outside this crate or called directly. Use [`lookup_host`] to resolve.
pub trait ToSocketAddrs: sealed::ToSocketAddrsPriv {}

pub(crate) mod sealed {
    /// The private half of [`ToSocketAddrs`](super::ToSocketAddrs).
    pub trait ToSocketAddrsPriv {
        #[doc(hidden)]
        fn to_addrs(&self) -> super::Resolve;
    }
}

/// What an address argument turned into: addresses now, or a name to look
/// up on the blocking pool.
#[derive(Debug)]
pub enum Resolve {
    /// Literal addresses.
    Ready(Addrs),
    /// `"host:port"`.
    Lookup(String),
    /// `("host", port)`.
    LookupPort(String, u16),
}

/// The addresses an argument or a lookup gave: the iterator [`lookup_host`]
/// returns.
#[derive(Debug, Clone)]
pub enum Addrs {
    /// One address, without allocating.
    One(option::IntoIter<SocketAddr>),
    /// Several.
    Many(vec::IntoIter<SocketAddr>),
}

impl Iterator for Addrs {
    type Item = SocketAddr;

    fn next(&mut self) -> Option<SocketAddr> {
        match self {
            Addrs::One(a) => a.next(),
            Addrs::Many(a) => a.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Addrs::One(a) => a.size_hint(),
            Addrs::Many(a) => a.size_hint(),
        }
    }
}

fn one(addr: SocketAddr) -> Resolve {
    Resolve::Ready(Addrs::One(Some(addr).into_iter()))
}

/// Resolves `addr`: at once if it is literal, else on the current
/// runtime's blocking pool.
pub(crate) async fn resolve<A: ToSocketAddrs + ?Sized>(addr: &A) -> io::Result<Addrs> {
    let job: Box<dyn FnOnce() -> io::Result<Addrs> + Send> = match addr.to_addrs() {
        Resolve::Ready(addrs) => return Ok(addrs),
        Resolve::Lookup(host) => Box::new(move || lookup(&*host)),
        Resolve::LookupPort(host, port) => Box::new(move || lookup((&*host, port))),
    };
    let handle = crate::Handle::try_current().map_err(|e| {
        io::Error::other(format!(
            "resolving a host name needs the runtime's blocking pool: {e}"
        ))
    })?;
    match handle.spawn_blocking(job).await {
        Ok(res) => res,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(io::Error::other(
            "the runtime shut down before the host name was resolved",
        )),
    }
}

fn lookup(host: impl std::net::ToSocketAddrs) -> io::Result<Addrs> {
    Ok(Addrs::Many(
        host.to_socket_addrs()?.collect::<Vec<_>>().into_iter(),
    ))
}

/// Tries `f` on each address `addr` resolves to, returning the first
/// success or the last error.
pub(crate) async fn each_addr<A, T, F, Fut>(addr: A, mut f: F) -> io::Result<T>
where
    A: ToSocketAddrs,
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let mut last = None;
    for a in resolve(&addr).await? {
        match f(a).await {
            Ok(t) => return Ok(t),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        )
    }))
}

/// Looks up the socket addresses of `host` (`"example.com:80"`,
/// `("example.com", 80)`, or a literal address): tokio's `lookup_host`.
///
/// Names are resolved by the OS (`getaddrinfo`) on the current runtime's
/// blocking pool; a literal address is returned as it is, without a hop to
/// another thread. Polled outside a runtime, a lookup that needs the pool
/// returns an error that says so.
///
/// ```
/// let rt = runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let addrs: Vec<_> = runtime::net::lookup_host("localhost:8080").await?.collect();
///     assert!(addrs.iter().all(|a| a.port() == 8080 && a.ip().is_loopback()));
///     let literal: Vec<_> = runtime::net::lookup_host("127.0.0.1:1").await?.collect();
///     assert_eq!(literal, ["127.0.0.1:1".parse().unwrap()]);
///     Ok::<_, std::io::Error>(())
/// })
/// .unwrap();
/// ```
pub async fn lookup_host<T: ToSocketAddrs>(
    host: T,
) -> io::Result<impl Iterator<Item = SocketAddr> + std::fmt::Debug> {
    resolve(&host).await
}

macro_rules! literal {
    ($($ty:ty => |$s:ident| $addr:expr;)*) => {$(
        impl ToSocketAddrs for $ty {}
        impl sealed::ToSocketAddrsPriv for $ty {
            fn to_addrs(&self) -> Resolve {
                let $s = self;
                one($addr)
            }
        }
    )*};
}

literal! {
    SocketAddr => |s| *s;
    SocketAddrV4 => |s| SocketAddr::V4(*s);
    SocketAddrV6 => |s| SocketAddr::V6(*s);
    (IpAddr, u16) => |s| SocketAddr::new(s.0, s.1);
    (Ipv4Addr, u16) => |s| SocketAddr::new(IpAddr::V4(s.0), s.1);
    (Ipv6Addr, u16) => |s| SocketAddr::new(IpAddr::V6(s.0), s.1);
}

impl ToSocketAddrs for [SocketAddr] {}
impl sealed::ToSocketAddrsPriv for [SocketAddr] {
    fn to_addrs(&self) -> Resolve {
        Resolve::Ready(Addrs::Many(Vec::from(self).into_iter()))
    }
}

impl ToSocketAddrs for str {}
impl sealed::ToSocketAddrsPriv for str {
    fn to_addrs(&self) -> Resolve {
        match self.parse() {
            Ok(addr) => one(addr),
            Err(_) => Resolve::Lookup(self.to_owned()),
        }
    }
}

impl ToSocketAddrs for String {}
impl sealed::ToSocketAddrsPriv for String {
    fn to_addrs(&self) -> Resolve {
        self.as_str().to_addrs()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl sealed::ToSocketAddrsPriv for (&str, u16) {
    fn to_addrs(&self) -> Resolve {
        match self.0.parse::<IpAddr>() {
            Ok(ip) => one(SocketAddr::new(ip, self.1)),
            Err(_) => Resolve::LookupPort(self.0.to_owned(), self.1),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl sealed::ToSocketAddrsPriv for (String, u16) {
    fn to_addrs(&self) -> Resolve {
        (self.0.as_str(), self.1).to_addrs()
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrs + ?Sized> sealed::ToSocketAddrsPriv for &T {
    fn to_addrs(&self) -> Resolve {
        (**self).to_addrs()
    }
}
