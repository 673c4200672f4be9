//! tokio's free functions of `fs`: each runs its `std::fs` namesake on the
//! blocking pool.

use super::blocking::asyncify;
use std::fs::{Metadata, Permissions};
use std::io;
use std::path::{Path, PathBuf};

/// Runs `op(path)` on the blocking pool, `path` made owned to travel there.
async fn on_path<T: Send + 'static>(
    what: &'static str,
    path: impl AsRef<Path>,
    op: fn(PathBuf) -> io::Result<T>,
) -> io::Result<T> {
    let path = path.as_ref().to_owned();
    asyncify(what, move || op(path)).await
}

/// Runs `op(from, to)` on the blocking pool.
async fn on_paths<T: Send + 'static>(
    what: &'static str,
    from: impl AsRef<Path>,
    to: impl AsRef<Path>,
    op: fn(PathBuf, PathBuf) -> io::Result<T>,
) -> io::Result<T> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(what, move || op(from, to)).await
}

/// Reads a whole file into a `Vec`: [`std::fs::read`] on the blocking pool.
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    on_path("I/O on the blocking pool (fs::read)", path, std::fs::read).await
}

/// Reads a whole UTF-8 file into a `String`: [`std::fs::read_to_string`] on
/// the blocking pool.
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    on_path(
        "I/O on the blocking pool (fs::read_to_string)",
        path,
        std::fs::read_to_string,
    )
    .await
}

/// Creates or truncates a file and writes `contents` into it:
/// [`std::fs::write`] on the blocking pool (`contents` is copied to travel
/// there).
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let (path, contents) = (path.as_ref().to_owned(), contents.as_ref().to_owned());
    asyncify("I/O on the blocking pool (fs::write)", move || {
        std::fs::write(path, contents)
    })
    .await
}

/// A path's metadata, following symlinks: [`std::fs::metadata`] on the
/// blocking pool.
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    on_path(
        "I/O on the blocking pool (fs::metadata)",
        path,
        std::fs::metadata,
    )
    .await
}

/// A path's metadata, not following a final symlink:
/// [`std::fs::symlink_metadata`] on the blocking pool.
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    on_path(
        "I/O on the blocking pool (fs::symlink_metadata)",
        path,
        std::fs::symlink_metadata,
    )
    .await
}

/// Creates a directory whose parent exists: [`std::fs::create_dir`] on the
/// blocking pool.
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    on_path(
        "I/O on the blocking pool (fs::create_dir)",
        path,
        std::fs::create_dir,
    )
    .await
}

/// Creates a directory and any missing parents: [`std::fs::create_dir_all`]
/// on the blocking pool.
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    on_path(
        "I/O on the blocking pool (fs::create_dir_all)",
        path,
        std::fs::create_dir_all,
    )
    .await
}

/// Removes a file: [`std::fs::remove_file`] on the blocking pool.
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    on_path(
        "I/O on the blocking pool (fs::remove_file)",
        path,
        std::fs::remove_file,
    )
    .await
}

/// Removes an empty directory: [`std::fs::remove_dir`] on the blocking pool.
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    on_path(
        "I/O on the blocking pool (fs::remove_dir)",
        path,
        std::fs::remove_dir,
    )
    .await
}

/// Removes a directory and everything in it: [`std::fs::remove_dir_all`] on
/// the blocking pool.
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    on_path(
        "I/O on the blocking pool (fs::remove_dir_all)",
        path,
        std::fs::remove_dir_all,
    )
    .await
}

/// Renames a file or directory, replacing `to` if it exists:
/// [`std::fs::rename`] on the blocking pool.
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    on_paths(
        "I/O on the blocking pool (fs::rename)",
        from,
        to,
        std::fs::rename,
    )
    .await
}

/// Copies a file's contents and permissions, returning the bytes copied:
/// [`std::fs::copy`] on the blocking pool.
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    on_paths(
        "I/O on the blocking pool (fs::copy)",
        from,
        to,
        std::fs::copy,
    )
    .await
}

/// Makes a hard link `link` to the file `original`: [`std::fs::hard_link`]
/// on the blocking pool.
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    on_paths(
        "I/O on the blocking pool (fs::hard_link)",
        original,
        link,
        std::fs::hard_link,
    )
    .await
}

/// The absolute path with every symlink resolved: [`std::fs::canonicalize`]
/// on the blocking pool.
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    on_path(
        "I/O on the blocking pool (fs::canonicalize)",
        path,
        std::fs::canonicalize,
    )
    .await
}

/// Where a symlink points: [`std::fs::read_link`] on the blocking pool.
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    on_path(
        "I/O on the blocking pool (fs::read_link)",
        path,
        std::fs::read_link,
    )
    .await
}

/// Whether a path exists, following symlinks; an error when that cannot be
/// told (no permission, say): [`std::fs::exists`] on the blocking pool.
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    on_path(
        "I/O on the blocking pool (fs::exists)",
        path,
        std::fs::exists,
    )
    .await
}

/// Changes a path's permissions: [`std::fs::set_permissions`] on the
/// blocking pool.
pub async fn set_permissions(path: impl AsRef<Path>, perm: Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(
        "I/O on the blocking pool (fs::set_permissions)",
        move || std::fs::set_permissions(path, perm),
    )
    .await
}
