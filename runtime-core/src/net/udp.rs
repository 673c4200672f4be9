//! [`UdpSocket`]: UDP on the runtime's reactor.

use crate::io::{Interest, ReadBuf};
use crate::net::{addr, ops, tcp::as_inet};
use crate::reactor::{Direction, PollEvented};
use socket2::SockRef;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::task::{ready, Context, Poll};

/// A UDP socket: tokio's `UdpSocket`.
///
/// Unconnected, it sends to and receives from anyone
/// ([`send_to`](Self::send_to)/[`recv_from`](Self::recv_from)); after
/// [`connect`](Self::connect) it talks with one peer
/// ([`send`](Self::send)/[`recv`](Self::recv)). All methods take `&self`,
/// so one socket can be shared (in an `Arc`) by a sending and a receiving
/// task.
///
/// ```
/// use runtime::net::UdpSocket;
///
/// let rt = runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let a = UdpSocket::bind("127.0.0.1:0").await?;
///     let b = UdpSocket::bind("127.0.0.1:0").await?;
///     a.send_to(b"ping", b.local_addr()?).await?;
///     let mut buf = [0; 16];
///     let (n, from) = b.recv_from(&mut buf).await?;
///     assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
///     Ok::<_, std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
pub struct UdpSocket {
    io: PollEvented<std::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to `addr` (each address it resolves to is tried in
    /// turn). Port 0 picks a free port.
    pub async fn bind<A: addr::ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        addr::each_addr(addr, |a| async move {
            UdpSocket::new(std::net::UdpSocket::bind(a)?)
        })
        .await
    }

    fn new(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        let io = PollEvented::new(
            ops::nonblocking(socket)?,
            Interest::READABLE | Interest::WRITABLE,
        )?;
        Ok(UdpSocket { io })
    }

    /// Wraps a std socket (made non-blocking here). Made outside a runtime,
    /// it binds to the runtime it is first used in.
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        UdpSocket::new(socket)
    }

    /// Unwraps the std socket, deregistered from the reactor (still
    /// non-blocking).
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        self.io.into_inner()
    }

    /// Sets the one peer [`send`](Self::send) sends to and
    /// [`recv`](Self::recv) receives from (datagrams from others are
    /// dropped). Each address `addr` resolves to is tried in turn.
    pub async fn connect<A: addr::ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        let socket = self.io.get_ref();
        addr::each_addr(addr, |a| async move { socket.connect(a) }).await
    }

    /// The address the socket is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer set by [`connect`](Self::connect).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Takes the pending error of the socket (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    ops::readiness_methods!();

    ops::connected_datagram_methods!();

    /// Sends `buf` as one datagram to `target` (its first address, if it
    /// is a name).
    pub async fn send_to<A: addr::ToSocketAddrs>(
        &self,
        buf: &[u8],
        target: A,
    ) -> io::Result<usize> {
        let target = addr::resolve(&target).await?.next().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no addresses to send data to")
        })?;
        self.io
            .async_io(Interest::WRITABLE, |s| s.send_to(buf, target))
            .await
    }

    /// Polls for [`send_to`](Self::send_to). Only the last task to poll is
    /// woken.
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Write, |s| s.send_to(buf, target))
    }

    /// [`send_to`](Self::send_to) without waiting.
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |s| s.send_to(buf, target))
    }

    /// Receives one datagram into `buf`; returns its length and sender.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Interest::READABLE, |s| s.recv_from(buf))
            .await
    }

    /// Polls for [`recv_from`](Self::recv_from), into `buf`'s unfilled
    /// part; returns the sender. Only the last task to poll is woken.
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        self.io
            .poll_io(cx, Direction::Read, |s| recv_from_buf(s, buf, false))
    }

    /// [`recv_from`](Self::recv_from) without waiting.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| s.recv_from(buf))
    }

    /// Like [`recv_from`](Self::recv_from), but leaves the datagram queued:
    /// the next receive returns it again.
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Interest::READABLE, |s| s.peek_from(buf))
            .await
    }

    /// Polls for [`peek_from`](Self::peek_from), into `buf`'s unfilled
    /// part.
    pub fn poll_peek_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        self.io
            .poll_io(cx, Direction::Read, |s| recv_from_buf(s, buf, true))
    }

    /// [`peek_from`](Self::peek_from) without waiting.
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| s.peek_from(buf))
    }

    /// Polls until a datagram is there and says who sent it, without
    /// taking it.
    pub fn poll_peek_sender(&self, cx: &mut Context<'_>) -> Poll<io::Result<SocketAddr>> {
        let mut none = ReadBuf::new(&mut []);
        let addr = ready!(self
            .io
            .poll_io(cx, Direction::Read, |s| recv_from_buf(s, &mut none, true)))?;
        Poll::Ready(Ok(addr))
    }

    /// Allows sending to broadcast addresses (`SO_BROADCAST`).
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// Whether `SO_BROADCAST` is set.
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }

    /// Whether multicast datagrams this socket sends loop back to it (IPv4).
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v4(on)
    }

    /// The `IP_MULTICAST_LOOP` setting.
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v4()
    }

    /// The time-to-live of outgoing IPv4 multicast datagrams.
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// The `IP_MULTICAST_TTL` setting.
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.io.get_ref().multicast_ttl_v4()
    }

    /// Whether multicast datagrams this socket sends loop back to it (IPv6).
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v6(on)
    }

    /// The `IPV6_MULTICAST_LOOP` setting.
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v6()
    }

    /// Joins the IPv4 multicast group `multiaddr` on the interface with
    /// address `interface` (`Ipv4Addr::UNSPECIFIED`: the system's choice).
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().join_multicast_v4(&multiaddr, &interface)
    }

    /// Joins the IPv6 multicast group `multiaddr` on the interface with
    /// index `interface` (0: the system's choice).
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves an IPv4 multicast group (see
    /// [`join_multicast_v4`](Self::join_multicast_v4)).
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves an IPv6 multicast group (see
    /// [`join_multicast_v6`](Self::join_multicast_v6)).
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v6(multiaddr, interface)
    }

    /// Sets the IP time-to-live of outgoing datagrams.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live of outgoing datagrams.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }
}

/// `recvfrom` (with `MSG_PEEK` if `peek`) into `buf`'s unfilled part.
fn recv_from_buf(
    socket: &std::net::UdpSocket,
    buf: &mut ReadBuf<'_>,
    peek: bool,
) -> io::Result<SocketAddr> {
    let s = SockRef::from(socket);
    // SAFETY: `recvfrom` only writes to the slice, so `buf`'s initialized
    // part stays initialized.
    let unfilled = unsafe { buf.unfilled_mut() };
    let (n, addr) = if peek {
        s.peek_from(unfilled)?
    } else {
        s.recv_from(unfilled)?
    };
    // SAFETY: `recvfrom` wrote `n` bytes at the start of the unfilled part.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    as_inet(addr)
}

impl TryFrom<std::net::UdpSocket> for UdpSocket {
    type Error = io::Error;

    /// [`UdpSocket::from_std`].
    fn try_from(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        UdpSocket::from_std(socket)
    }
}

ops::impl_fd!(UdpSocket);
