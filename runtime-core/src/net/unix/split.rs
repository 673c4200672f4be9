//! [`UnixStream::split`] and [`UnixStream::into_split`]: the halves, shared
//! with TCP (`net/split.rs`).

use super::{SocketAddr, UnixStream};

crate::net::split::split_halves!(UnixStream, SocketAddr, "Unix stream");
