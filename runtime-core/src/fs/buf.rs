//! The buffer a [`File`](super::File) lends to its background operation:
//! read-ahead on the way in, queued bytes on the way out.

use crate::io::ReadBuf;
use std::io::{self, Read, Write};

/// The most a single background read or write moves (tokio's default).
pub(super) const MAX_BUF: usize = 2 * 1024 * 1024;

/// Bytes `storage[start..end]` are pending: read ahead and not yet handed to
/// the reader, or queued and not yet written. `storage` only grows (so it is
/// zeroed once, not per read) and is reused from one operation to the next.
#[derive(Debug, Default)]
pub(super) struct Buf {
    storage: Vec<u8>,
    start: usize,
    end: usize,
}

impl Buf {
    pub(super) fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Hands pending bytes to a reader, as many as fit.
    pub(super) fn copy_to(&mut self, dst: &mut ReadBuf<'_>) {
        let n = (self.end - self.start).min(dst.remaining());
        dst.put_slice(&self.storage[self.start..self.start + n]);
        self.start += n;
    }

    /// Queues up to `max` bytes of `src` for writing; returns how many.
    pub(super) fn copy_from(&mut self, src: &[u8], max: usize) -> usize {
        debug_assert!(self.is_empty(), "queued over pending bytes");
        let n = src.len().min(max);
        self.room(n).copy_from_slice(&src[..n]);
        self.end = n;
        n
    }

    /// Reads up to `max` bytes from `file` (one `read`, retried on EINTR);
    /// they become pending. Runs on the blocking pool.
    pub(super) fn read_from(&mut self, file: &mut impl Read, max: usize) -> io::Result<usize> {
        debug_assert!(self.is_empty(), "read over pending bytes");
        let room = self.room(max);
        let res = loop {
            match file.read(room) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                res => break res,
            }
        };
        self.end = *res.as_ref().unwrap_or(&0);
        res
    }

    /// Writes all pending bytes to `file`, leaving the buffer empty whatever
    /// happens. Runs on the blocking pool.
    pub(super) fn write_to(&mut self, file: &mut impl Write) -> io::Result<()> {
        let res = file.write_all(&self.storage[self.start..self.end]);
        self.start = 0;
        self.end = 0;
        res
    }

    /// Drops the bytes read ahead; returns the (zero or negative) offset to
    /// seek by so the file's cursor is back where the reader is.
    pub(super) fn discard_read(&mut self) -> i64 {
        let unread = (self.end - self.start) as i64;
        self.start = 0;
        self.end = 0;
        -unread
    }

    /// The first `n` bytes of storage, grown (zeroed) if needed; empties the
    /// buffer.
    fn room(&mut self, n: usize) -> &mut [u8] {
        if self.storage.len() < n {
            self.storage.resize(n, 0);
        }
        self.start = 0;
        self.end = 0;
        &mut self.storage[..n]
    }
}
