//! Files and directories, on the blocking pool: tokio's `fs`, and
//! asyncio's `asyncio.to_thread(...)` file I/O or `aiofiles`.
//!
//! Operating systems offer no portable non-blocking file I/O, so each
//! operation here runs the `std::fs` call on the current runtime's blocking
//! pool ([`spawn_blocking`](crate::spawn_blocking)) and the calling task
//! awaits its result, as tokio does. Names and signatures are tokio's: the
//! free functions ([`read`], [`write()`], [`read_dir()`], [`metadata`],
//! [`rename`], ...), [`File`] (which implements tokio's and futures-io's
//! `AsyncRead`, `AsyncWrite` and `AsyncSeek`), [`OpenOptions`], [`ReadDir`]
//! and [`DirEntry`].
//!
//! Errors are std's, kinds included (a missing file is
//! [`NotFound`](std::io::ErrorKind::NotFound)). Used where no runtime runs
//! — polled by another executor, say — an operation returns an
//! [`io::Error`](std::io::Error) that says so, never a panic.
//!
//! Each call is a hop to another thread and back, so many small operations
//! cost more than one big one: read a whole file with [`read`], and wrap a
//! [`File`] read piece by piece in a [`BufReader`](crate::io::BufReader).
//!
//! ```
//! use runtime::fs;
//!
//! let rt = runtime::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let dir = std::env::temp_dir().join(format!("runtime-fs-doc-{}", std::process::id()));
//!     fs::create_dir_all(&dir).await?;
//!     fs::write(dir.join("hello.txt"), "hello").await?;
//!     assert_eq!(fs::read_to_string(dir.join("hello.txt")).await?, "hello");
//!     fs::remove_dir_all(&dir).await
//! })
//! .unwrap();
//! ```

mod blocking;
mod buf;
mod dir_entry;
mod file;
mod open_options;
mod ops;
mod read_dir;

pub use dir_entry::DirEntry;
pub use file::File;
pub use open_options::OpenOptions;
pub use ops::{
    canonicalize, copy, create_dir, create_dir_all, hard_link, metadata, read, read_link,
    read_to_string, remove_dir, remove_dir_all, remove_file, rename, set_permissions,
    symlink_metadata, try_exists, write,
};
pub use read_dir::{read_dir, ReadDir};
