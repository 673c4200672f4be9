//! Unix-domain sockets: [`UnixListener`], [`UnixStream`] (and the halves
//! of a split one), [`UnixDatagram`].

mod datagram;
mod listener;
mod split;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use stream::UnixStream;

/// The address of a Unix-domain socket: std's, as `accept`, `local_addr`
/// and `recv_from` return it.
pub use std::os::unix::net::SocketAddr;
