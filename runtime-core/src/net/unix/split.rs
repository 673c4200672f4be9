//! [`UnixStream::split`] and [`UnixStream::into_split`]: the halves, shared
//! with TCP ([`crate::net::split`]).

use super::{SocketAddr, UnixStream};

crate::net::split::split_halves!(UnixStream, SocketAddr, "Unix stream");
