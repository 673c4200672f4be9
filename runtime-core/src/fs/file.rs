//! An open file whose reads, writes and seeks run on the blocking pool.
//!
//! **States.** A `File` is *idle*, holding its buffer ([`Buf`]), or *busy*
//! with exactly one background job — a read, write, seek or `set_len` — that
//! owns the buffer and a clone of the `Arc<std::fs::File>` until it hands
//! the buffer back. So the operations on one file never overlap and happen
//! in the order they were made, as on a blocking file.
//!
//! **Transitions.**
//! * *read*: bytes read ahead go to the reader at once. With none, a job
//!   reads up to `min(wanted, 2 MiB)` (busy); when it finishes, the reader
//!   gets what fits and the rest stays read ahead.
//! * *write*: up to 2 MiB of the caller's bytes are copied into the buffer
//!   and a job writes them (busy); the write is reported done as soon as it
//!   is queued, like a buffered writer's. `flush` waits for it.
//! * *seek*: `start_seek` starts the job, `poll_complete` waits for it.
//! * A job that writes or seeks first moves the cursor back over the bytes
//!   read ahead (dropping them), so it acts where the caller believes the
//!   cursor is.
//! * Any operation on a busy file first waits for the job in flight
//!   ([`Inner::poll_idle`]). A read's or seek's result goes to whoever
//!   collects it; a write's error — its caller was already told "written" —
//!   goes to the next operation, whatever it is, as an `Err`.
//!
//! **Who touches what.** The `poll_*` methods take `&mut self`, so they
//! reach [`Inner`] without locking (`Mutex::get_mut`). The `&self` methods
//! (`sync_all`, `set_len`, `metadata`, ...) lock it and wait for the job in
//! flight first. The std file is shared with a job only through its `Arc`,
//! which the job drops before handing the buffer back; so once idle, the
//! `File` holds the only reference and `into_std` can take it back.
//!
//! Dropping a busy `File` lets its job finish in the background (a queued
//! write still lands) and nobody sees its result, as with tokio's `File`:
//! `flush` before dropping to know that a write succeeded.

use super::blocking::{self, asyncify};
use super::buf::{Buf, MAX_BUF};
use super::OpenOptions;
use crate::io::{AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use crate::sync::Mutex;
use crate::task::waits::{self, WaitOn};
use crate::task::JoinHandle;
use std::fmt;
use std::fs::{File as StdFile, Metadata, Permissions};
use std::future::{poll_fn, Future};
use std::io::{self, Seek, SeekFrom};
use std::mem;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// An open file with async reads, writes and seeks: tokio's `fs::File`,
/// each operation run on the blocking pool.
///
/// Implements tokio's [`AsyncRead`], [`AsyncWrite`] and [`AsyncSeek`] (use
/// them through [`AsyncReadExt`](crate::io::AsyncReadExt) and friends) and
/// futures-io's, so both ecosystems' adapters take it.
///
/// A write is reported done once it is queued: call
/// [`flush`](crate::io::AsyncWriteExt::flush) to wait for it to reach the
/// file and see its error, if any (otherwise the next operation reports
/// it). Each read or write moves at most 2 MiB per trip to the blocking
/// pool; for many small reads, wrap the file in a
/// [`BufReader`](crate::io::BufReader).
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// use runtime::fs::File;
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
///
/// let path = std::env::temp_dir().join(format!("runtime-file-doc-{}", std::process::id()));
/// let mut file = File::create(&path).await?;
/// file.write_all(b"hello, file").await?;
/// file.flush().await?; // the write has reached the file
///
/// let mut text = String::new();
/// File::open(&path).await?.read_to_string(&mut text).await?;
/// assert_eq!(text, "hello, file");
/// # runtime::fs::remove_file(&path).await
/// # }).unwrap();
/// ```
pub struct File {
    std: Arc<StdFile>,
    inner: Mutex<Inner>,
}

struct Inner {
    state: State,
    /// Where the last seek left the cursor: what `poll_complete` reports
    /// when no seek is in flight (as tokio's does).
    pos: u64,
    /// The target of a seek that futures-io's `poll_seek` started and has
    /// not returned from yet: called again for it, it waits rather than
    /// seeking a second time.
    futures_seek: Option<SeekFrom>,
}

enum State {
    Idle(Buf),
    /// A job owns the buffer (see [`Inner::start`]).
    Busy(JoinHandle<(io::Result<Done>, Buf)>),
}

/// What a finished job leaves for whoever collects it. Its outer
/// `io::Result` is for jobs nobody waits for — a write, reported done when
/// queued — so an error goes to the next operation.
enum Done {
    Nothing,
    Read(io::Result<usize>),
    Seek(io::Result<u64>),
}

impl File {
    /// Opens a file for reading.
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens a file for writing, creating it or truncating it.
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        let mut options = OpenOptions::new();
        options
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Creates a file for reading and writing; `AlreadyExists` if it exists.
    pub async fn create_new(path: impl AsRef<Path>) -> io::Result<File> {
        let mut options = OpenOptions::new();
        options
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .await
    }

    /// Options to open a file with: [`OpenOptions::new`].
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an open std file. Works anywhere; the operations need a runtime.
    pub fn from_std(std: StdFile) -> File {
        File {
            std: Arc::new(std),
            inner: Mutex::new(Inner {
                state: State::Idle(Buf::default()),
                pos: 0,
                futures_seek: None,
            }),
        }
    }

    /// Waits for the operation in flight, then gives the std file back. A
    /// queued write's error is dropped here: `flush` first to see it.
    pub async fn into_std(mut self) -> StdFile {
        let _ = self.inner.get_mut().idle().await;
        Arc::try_unwrap(self.std).expect("an idle File holds the only reference to its std file")
    }

    /// The std file, if no operation is in flight; the `File` back if one is.
    pub fn try_into_std(mut self) -> Result<StdFile, File> {
        if let State::Busy(_) = self.inner.get_mut().state {
            return Err(self);
        }
        let File { std, inner } = self;
        Arc::try_unwrap(std).map_err(|std| File { std, inner })
    }

    /// Flushes data and metadata to the device (`fsync`), after the
    /// operation in flight.
    pub async fn sync_all(&self) -> io::Result<()> {
        self.when_idle(|std| std.sync_all()).await
    }

    /// Flushes data to the device (`fdatasync`), after the operation in
    /// flight.
    pub async fn sync_data(&self) -> io::Result<()> {
        self.when_idle(|std| std.sync_data()).await
    }

    /// Truncates or extends the file to `size` bytes, after the operation in
    /// flight. The cursor does not move.
    pub async fn set_len(&self, size: u64) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        inner.idle().await?;
        inner.start(&self.std, &[], move |std, _| {
            std.set_len(size).map(|()| Done::Nothing)
        })?;
        inner.idle().await.map(drop)
    }

    /// The file's metadata, after the operation in flight.
    pub async fn metadata(&self) -> io::Result<Metadata> {
        self.when_idle(|std| std.metadata()).await
    }

    /// A second handle to the same open file (shared cursor), after the
    /// operation in flight.
    pub async fn try_clone(&self) -> io::Result<File> {
        self.when_idle(|std| std.try_clone())
            .await
            .map(File::from_std)
    }

    /// Changes the file's permissions, after the operation in flight.
    pub async fn set_permissions(&self, perm: Permissions) -> io::Result<()> {
        self.when_idle(move |std| std.set_permissions(perm)).await
    }

    /// Runs `op` on the blocking pool once no operation is in flight.
    async fn when_idle<T: Send + 'static>(
        &self,
        op: impl FnOnce(&StdFile) -> io::Result<T> + Send + 'static,
    ) -> io::Result<T> {
        let mut inner = self.inner.lock().await;
        inner.idle().await?;
        let std = self.std.clone();
        asyncify("I/O on the blocking pool (fs::File)", move || op(&std)).await
    }
}

impl Inner {
    /// Waits for the job in flight, if any, and takes the buffer back.
    /// `Err`: a queued write failed, or the runtime dropped the job.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Done>> {
        let State::Busy(job) = &mut self.state else {
            return Poll::Ready(Ok(Done::Nothing));
        };
        let Poll::Ready(done) = Pin::new(job).poll(cx) else {
            waits::record(WaitOn::Label("I/O on the blocking pool (fs::File)"));
            return Poll::Pending;
        };
        let (res, buf) = match done {
            Ok(finished) => finished,
            Err(e) => {
                self.state = State::Idle(Buf::default());
                return Poll::Ready(Err(blocking::join_error(e)));
            }
        };
        self.state = State::Idle(buf);
        if let Ok(Done::Seek(Ok(pos))) = res {
            self.pos = pos;
        }
        Poll::Ready(res)
    }

    async fn idle(&mut self) -> io::Result<Done> {
        poll_fn(|cx| self.poll_idle(cx)).await
    }

    /// The buffer of an idle file.
    fn buf(&mut self) -> &mut Buf {
        match &mut self.state {
            State::Idle(buf) => buf,
            State::Busy(_) => unreachable!("the buffer is lent to a job"),
        }
    }

    /// Starts `job` on the blocking pool (the file must be idle): drops the
    /// bytes read ahead, queues up to [`MAX_BUF`] bytes of `queue` in the
    /// buffer, and lends the buffer to a job that first moves the cursor
    /// back over the dropped bytes. Returns how many bytes were queued.
    fn start<F>(&mut self, std: &Arc<StdFile>, queue: &[u8], job: F) -> io::Result<usize>
    where
        F: FnOnce(&StdFile, &mut Buf) -> io::Result<Done> + Send + 'static,
    {
        let runtime = blocking::runtime()?;
        let mut buf = mem::take(self.buf());
        let back = buf.discard_read();
        let queued = buf.copy_from(queue, MAX_BUF);
        let std = std.clone();
        self.state = State::Busy(runtime.spawn_blocking(move || {
            let mut cursor = &*std;
            let rewound = match back {
                0 => Ok(()),
                back => cursor.seek(SeekFrom::Current(back)).map(drop),
            };
            let res = rewound.and_then(|()| job(&std, &mut buf));
            (res, buf)
        }));
        Ok(queued)
    }

    fn start_seek(&mut self, std: &Arc<StdFile>, pos: SeekFrom) -> io::Result<()> {
        if let State::Busy(_) = self.state {
            return Err(io::Error::other(
                "other file operation is pending, call poll_complete before start_seek",
            ));
        }
        self.start(std, &[], move |mut std, _| Ok(Done::Seek(std.seek(pos))))
            .map(drop)
    }

    fn poll_complete(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Poll::Ready(match ready!(self.poll_idle(cx))? {
            Done::Seek(res) => res,
            _ => Ok(self.pos),
        })
    }
}

impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        let inner = me.inner.get_mut();
        loop {
            if let Done::Read(res) = ready!(inner.poll_idle(cx))? {
                res?; // at end of file: nothing read, which says so
                inner.buf().copy_to(dst);
                return Poll::Ready(Ok(()));
            }
            let buf = inner.buf();
            if !buf.is_empty() || dst.remaining() == 0 {
                buf.copy_to(dst);
                return Poll::Ready(Ok(()));
            }
            let max = dst.remaining().min(MAX_BUF);
            inner.start(&me.std, &[], move |mut std, buf| {
                Ok(Done::Read(buf.read_from(&mut std, max)))
            })?;
        }
    }
}

impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        let inner = me.inner.get_mut();
        // What a read or seek in flight found is not the writer's business;
        // a queued write's error is.
        ready!(inner.poll_idle(cx))?;
        if src.is_empty() {
            return Poll::Ready(Ok(0));
        }
        Poll::Ready(inner.start(&me.std, src, |mut std, buf| {
            buf.write_to(&mut std).map(|()| Done::Nothing)
        }))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.get_mut().poll_idle(cx).map_ok(drop)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl AsyncSeek for File {
    fn start_seek(self: Pin<&mut Self>, pos: SeekFrom) -> io::Result<()> {
        let me = self.get_mut();
        me.inner.get_mut().start_seek(&me.std, pos)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.get_mut().inner.get_mut().poll_complete(cx)
    }
}

impl futures_io::AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut dst = ReadBuf::new(buf);
        ready!(AsyncRead::poll_read(self, cx, &mut dst))?;
        Poll::Ready(Ok(dst.filled().len()))
    }
}

impl futures_io::AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        AsyncWrite::poll_write(self, cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_flush(self, cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_shutdown(self, cx)
    }
}

impl futures_io::AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let me = self.get_mut();
        let inner = me.inner.get_mut();
        if inner.futures_seek != Some(pos) {
            ready!(inner.poll_idle(cx))?; // someone else's job first
            inner.start_seek(&me.std, pos)?;
            inner.futures_seek = Some(pos);
        }
        let res = ready!(inner.poll_complete(cx));
        inner.futures_seek = None;
        Poll::Ready(res)
    }
}

impl From<StdFile> for File {
    fn from(std: StdFile) -> File {
        File::from_std(std)
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for File {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.std.as_fd()
    }
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for File {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.std.as_raw_fd()
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("File").field("std", &self.std).finish()
    }
}
