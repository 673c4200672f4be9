//! TCP: [`TcpListener`], [`TcpStream`], [`TcpSocket`], and the halves of a
//! split stream.

mod listener;
mod socket;
mod split;
mod stream;

pub use listener::TcpListener;
pub(crate) use socket::as_inet;
pub use socket::TcpSocket;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use stream::TcpStream;
