//! [`TcpStream::split`] and [`TcpStream::into_split`]: the halves (shared
//! with Unix streams, [`crate::net::split`]) and peeking, which only TCP halves
//! have.

use super::TcpStream;
use crate::io::ReadBuf;
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};

crate::net::split::split_halves!(TcpStream, SocketAddr, "TCP stream");

impl ReadHalf<'_> {
    /// [`TcpStream::peek`] on the read half.
    pub async fn peek(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.peek(buf).await
    }

    /// [`TcpStream::poll_peek`] on the read half.
    pub fn poll_peek(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<usize>> {
        self.0.poll_peek(cx, buf)
    }
}

impl OwnedReadHalf {
    /// [`TcpStream::peek`] on the read half.
    pub async fn peek(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.peek(buf).await
    }

    /// [`TcpStream::poll_peek`] on the read half.
    pub fn poll_peek(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_peek(cx, buf)
    }
}
