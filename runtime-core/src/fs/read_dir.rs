use super::blocking::{self, asyncify};
use super::DirEntry;
use crate::task::waits::{self, WaitOn};
use crate::task::JoinHandle;
use futures_core::Stream;
use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::mem;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Entries fetched per trip to the blocking pool.
const CHUNK: usize = 32;

/// Lists a directory: [`std::fs::read_dir`] on the blocking pool, the
/// entries then fetched 32 at a time by [`ReadDir::next_entry`].
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let mut entries = runtime::fs::read_dir(".").await?;
/// while let Some(entry) = entries.next_entry().await? {
///     println!("{}", entry.path().display());
/// }
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let chunk = asyncify("I/O on the blocking pool (fs::read_dir)", move || {
        Ok(Chunk::first(std::fs::read_dir(path)?))
    })
    .await?;
    Ok(ReadDir(State::Idle(chunk)))
}

/// The entries of a directory, from [`read_dir`]: tokio's `fs::ReadDir`.
/// Also a [`Stream`](https://docs.rs/futures-core/0.3/futures_core/stream/trait.Stream.html) of `io::Result<DirEntry>`.
#[must_use = "a ReadDir lists nothing unless `next_entry` is awaited"]
pub struct ReadDir(State);

enum State {
    Idle(Chunk),
    /// Fetching the next chunk on the blocking pool.
    Busy(JoinHandle<Chunk>),
    /// Listed to the end, or the fetch was lost with the runtime.
    Done,
}

/// Entries fetched and not yet handed out, and the listing to fetch from.
struct Chunk {
    entries: VecDeque<io::Result<DirEntry>>,
    std: std::fs::ReadDir,
    /// The listing may have more entries.
    more: bool,
}

impl Chunk {
    fn first(std: std::fs::ReadDir) -> Chunk {
        let mut chunk = Chunk {
            entries: VecDeque::with_capacity(CHUNK),
            std,
            more: true,
        };
        chunk.fetch();
        chunk
    }

    /// Fetches up to [`CHUNK`] entries. Runs on the blocking pool.
    fn fetch(&mut self) {
        for _ in 0..CHUNK {
            match self.std.next() {
                Some(entry) => self.entries.push_back(entry.map(DirEntry::new)),
                None => {
                    self.more = false;
                    return;
                }
            }
        }
    }
}

impl ReadDir {
    /// The next entry, or `None` once the listing is done. Cancel safe.
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// Polls for the next entry: `Ready(Ok(None))` once the listing is done.
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match mem::replace(&mut self.0, State::Done) {
                State::Idle(mut chunk) => {
                    if let Some(entry) = chunk.entries.pop_front() {
                        self.0 = State::Idle(chunk);
                        return Poll::Ready(entry.map(Some));
                    }
                    if !chunk.more {
                        return Poll::Ready(Ok(None));
                    }
                    let runtime = match blocking::runtime() {
                        Ok(runtime) => runtime,
                        Err(e) => {
                            self.0 = State::Idle(chunk);
                            return Poll::Ready(Err(e));
                        }
                    };
                    self.0 = State::Busy(runtime.spawn_blocking(move || {
                        chunk.fetch();
                        chunk
                    }));
                }
                State::Busy(mut job) => match Pin::new(&mut job).poll(cx) {
                    Poll::Pending => {
                        self.0 = State::Busy(job);
                        waits::record(WaitOn::Label("I/O on the blocking pool (fs::ReadDir)"));
                        return Poll::Pending;
                    }
                    Poll::Ready(Ok(chunk)) => self.0 = State::Idle(chunk),
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(blocking::join_error(e))),
                },
                State::Done => return Poll::Ready(Ok(None)),
            }
        }
    }
}

impl Stream for ReadDir {
    type Item = io::Result<DirEntry>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_entry(cx).map(Result::transpose)
    }
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.0 {
            State::Idle(_) => "idle",
            State::Busy(_) => "fetching",
            State::Done => "done",
        };
        f.debug_tuple("ReadDir").field(&state).finish()
    }
}
