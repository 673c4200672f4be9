use super::blocking::asyncify;
use std::ffi::OsString;
use std::fmt;
use std::fs::{FileType, Metadata};
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

/// One entry of a directory listing, from [`ReadDir`](super::ReadDir):
/// tokio's `fs::DirEntry`.
pub struct DirEntry {
    std: Arc<std::fs::DirEntry>,
    /// Read with the entry on the blocking pool (free where the OS listing
    /// carries it, as on Linux), so [`file_type`](Self::file_type) rarely
    /// needs another trip.
    file_type: Option<FileType>,
}

impl DirEntry {
    /// Runs on the blocking pool, while listing.
    pub(super) fn new(std: std::fs::DirEntry) -> DirEntry {
        let file_type = std.file_type().ok();
        DirEntry {
            std: Arc::new(std),
            file_type,
        }
    }

    /// The full path: the directory given to `read_dir` joined with
    /// [`file_name`](Self::file_name).
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's name, without the directory.
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's inode number.
    #[cfg(unix)]
    pub fn ino(&self) -> u64 {
        std::os::unix::fs::DirEntryExt::ino(&*self.std)
    }

    /// The entry's metadata, not following a final symlink (on the blocking
    /// pool).
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify(
            "I/O on the blocking pool (fs::DirEntry::metadata)",
            move || std.metadata(),
        )
        .await
    }

    /// File, directory or symlink (not following it).
    pub async fn file_type(&self) -> io::Result<FileType> {
        if let Some(file_type) = self.file_type {
            return Ok(file_type);
        }
        let std = self.std.clone();
        asyncify(
            "I/O on the blocking pool (fs::DirEntry::file_type)",
            move || std.file_type(),
        )
        .await
    }
}

impl fmt::Debug for DirEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DirEntry").field(&self.path()).finish()
    }
}
