//! `runtime::fs`: files and directories on the blocking pool.
mod common;
use common::rt;
use futures::FutureExt;
use runtime::fs::{self, File, OpenOptions};
use runtime::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use std::io::{ErrorKind, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

/// A fresh directory under the system's temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "runtime-fs-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, SeqCst)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir(&path).unwrap();
        TempDir(path)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// 4 MiB that do not repeat every 256 bytes, so a misplaced chunk shows.
fn four_mib() -> Vec<u8> {
    (0..4 << 20)
        .map(|i: u32| (i.wrapping_mul(31) % 251) as u8)
        .collect()
}

both_flavors!(read_write_and_read_to_string_round_trip, |rt| {
    let dir = TempDir::new();
    let path = dir.join("hello.txt");
    rt.block_on(async {
        fs::write(&path, "hello").await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"hello");
        fs::write(&path, b"bye".to_vec()).await.unwrap(); // truncates
        assert_eq!(fs::read_to_string(&path).await.unwrap(), "bye");
        let meta = fs::metadata(&path).await.unwrap();
        assert!(meta.is_file());
        assert_eq!(meta.len(), 3);
        assert!(fs::try_exists(&path).await.unwrap());
        assert!(!fs::try_exists(dir.join("missing")).await.unwrap());
    });
});

both_flavors!(four_mib_through_file_and_tokio_io_traits, |rt| {
    let dir = TempDir::new();
    let path = dir.join("big");
    let data = four_mib();
    rt.block_on(async {
        let mut file = File::create(&path).await.unwrap();
        for chunk in data.chunks(100_000) {
            file.write_all(chunk).await.unwrap();
        }
        file.flush().await.unwrap();
        file.sync_all().await.unwrap();
        assert_eq!(file.metadata().await.unwrap().len(), data.len() as u64);

        let mut back = Vec::new();
        File::open(&path)
            .await
            .unwrap()
            .read_to_end(&mut back)
            .await
            .unwrap();
        assert!(back == data, "read_to_end gave different bytes");

        // Odd-sized exact reads cross the 2 MiB operations' boundaries.
        let mut file = File::open(&path).await.unwrap();
        let mut piece = vec![0; 7777];
        for expected in data.chunks(7777) {
            let piece = &mut piece[..expected.len()];
            file.read_exact(piece).await.unwrap();
            assert!(piece == expected, "read_exact gave different bytes");
        }
        assert_eq!(file.read(&mut piece).await.unwrap(), 0, "no end of file");
    });
    assert!(std::fs::read(&path).unwrap() == data);
});

both_flavors!(four_mib_through_futures_io_traits, |rt| {
    // Spelled out: tokio's extension traits are in scope too.
    use futures::io::{AsyncReadExt as Read, AsyncSeekExt as Seek, AsyncWriteExt as Write};
    let dir = TempDir::new();
    let path = dir.join("big");
    let data = four_mib();
    rt.block_on(async {
        let mut file = File::create(&path).await.unwrap();
        Write::write_all(&mut file, &data).await.unwrap();
        Write::close(&mut file).await.unwrap();

        let mut file = File::open(&path).await.unwrap();
        let mut back = Vec::new();
        Read::read_to_end(&mut file, &mut back).await.unwrap();
        assert!(back == data, "read_to_end gave different bytes");

        assert_eq!(
            Seek::seek(&mut file, SeekFrom::Start(1000)).await.unwrap(),
            1000
        );
        let mut piece = [0; 16];
        Read::read_exact(&mut file, &mut piece).await.unwrap();
        assert_eq!(piece, data[1000..1016]);
        let end = Seek::seek(&mut file, SeekFrom::End(-4)).await.unwrap();
        assert_eq!(end, data.len() as u64 - 4);
    });
});

/// "0123456789" in a file opened for reading and writing.
async fn digits_file(path: &Path) -> File {
    fs::write(path, "0123456789").await.unwrap();
    let mut options = OpenOptions::new();
    options.read(true).write(true).open(path).await.unwrap()
}

both_flavors!(seek_moves_reads_and_writes, |rt| {
    let dir = TempDir::new();
    let path = dir.join("digits");
    rt.block_on(async {
        let mut file = digits_file(&path).await;
        let mut two = [0; 2];
        assert_eq!(file.seek(SeekFrom::Start(3)).await.unwrap(), 3);
        file.read_exact(&mut two).await.unwrap();
        assert_eq!(&two, b"34");
        assert_eq!(file.stream_position().await.unwrap(), 5);
        assert_eq!(file.seek(SeekFrom::Current(2)).await.unwrap(), 7);
        file.read_exact(&mut two).await.unwrap();
        assert_eq!(&two, b"78");
        assert_eq!(file.seek(SeekFrom::End(-10)).await.unwrap(), 0);
        file.write_all(b"ab").await.unwrap();
        file.flush().await.unwrap();
        assert_eq!(fs::read_to_string(&path).await.unwrap(), "ab23456789");
    });
});

both_flavors!(abandoned_read_ahead_is_not_skipped, |rt| {
    let dir = TempDir::new();
    let path = dir.join("digits");
    rt.block_on(async {
        let mut file = digits_file(&path).await;
        // One poll starts a background read of up to 8 bytes; dropping the
        // future then leaves them read ahead, unseen. If the read finished
        // within that one poll, try again (a few times, then accept it).
        let mut tries = 100;
        let consumed = loop {
            file.rewind().await.unwrap();
            match file.read(&mut [0; 8]).now_or_never() {
                None => break 0,
                Some(n) if tries == 0 => break n.unwrap(),
                Some(_) => tries -= 1,
            }
        };
        let mut two = [0; 2];
        file.read_exact(&mut two).await.unwrap();
        let digits = b"0123456789";
        assert_eq!(two, digits[consumed..consumed + 2]);
        // Seeks and writes act where the reader is, not where the read
        // ahead left the OS's cursor.
        let here = consumed + 2;
        assert_eq!(file.stream_position().await.unwrap(), here as u64);
        file.write_all(b"XY").await.unwrap();
        file.flush().await.unwrap();
        let mut expected = digits[..here].to_vec();
        expected.extend_from_slice(b"XY");
        expected.extend_from_slice(digits.get(here + 2..).unwrap_or_default());
        assert_eq!(fs::read(&path).await.unwrap(), expected);
    });
});

both_flavors!(set_len_try_clone_and_permissions, |rt| {
    let dir = TempDir::new();
    let path = dir.join("f");
    rt.block_on(async {
        let mut file = File::create(&path).await.unwrap();
        file.write_all(b"0123456789").await.unwrap();
        file.set_len(4).await.unwrap(); // after the queued write
        assert_eq!(file.metadata().await.unwrap().len(), 4);
        file.sync_data().await.unwrap();

        let clone = file.try_clone().await.unwrap();
        clone.set_len(2).await.unwrap();
        assert_eq!(file.metadata().await.unwrap().len(), 2);

        let original = file.metadata().await.unwrap().permissions();
        let mut read_only = original.clone();
        read_only.set_readonly(true);
        file.set_permissions(read_only).await.unwrap();
        assert!(fs::metadata(&path).await.unwrap().permissions().readonly());
        fs::set_permissions(&path, original).await.unwrap();
        assert!(!fs::metadata(&path).await.unwrap().permissions().readonly());

        let std = file.into_std().await;
        assert_eq!(std.metadata().unwrap().len(), 2);
    });
});

both_flavors!(read_dir_lists_every_entry, |rt| {
    let dir = TempDir::new();
    rt.block_on(async {
        // More entries than one trip to the blocking pool fetches.
        let mut expected: Vec<String> = (0..70).map(|i| format!("file-{i:02}")).collect();
        for name in &expected {
            fs::write(dir.join(name), name).await.unwrap();
        }
        fs::create_dir(dir.join("sub")).await.unwrap();
        expected.push("sub".into());

        let mut names = Vec::new();
        let mut entries = fs::read_dir(&dir.0).await.unwrap();
        while let Some(entry) = entries.next_entry().await.unwrap() {
            let name = entry.file_name().into_string().unwrap();
            assert_eq!(entry.path(), dir.join(&name));
            let is_dir = entry.file_type().await.unwrap().is_dir();
            assert_eq!(is_dir, name == "sub", "{name}");
            if !is_dir {
                assert_eq!(entry.metadata().await.unwrap().len(), name.len() as u64);
            }
            names.push(name);
        }
        assert!(
            entries.next_entry().await.unwrap().is_none(),
            "listed past the end"
        );
        names.sort();
        assert_eq!(names, expected);

        // Also a Stream.
        use futures::StreamExt;
        let count = fs::read_dir(&dir.0).await.unwrap().count().await;
        assert_eq!(count, 71);
    });
});

both_flavors!(rename_copy_link_and_remove, |rt| {
    let dir = TempDir::new();
    let (a, b, c) = (dir.join("a"), dir.join("b"), dir.join("c"));
    rt.block_on(async {
        fs::write(&a, "contents").await.unwrap();
        fs::rename(&a, &b).await.unwrap();
        assert!(!fs::try_exists(&a).await.unwrap());
        assert_eq!(fs::copy(&b, &c).await.unwrap(), 8);
        assert_eq!(fs::read_to_string(&c).await.unwrap(), "contents");

        fs::hard_link(&b, &a).await.unwrap();
        assert_eq!(fs::read_to_string(&a).await.unwrap(), "contents");
        assert_eq!(
            fs::canonicalize(&a).await.unwrap(),
            std::fs::canonicalize(&dir.0).unwrap().join("a")
        );
        #[cfg(unix)]
        {
            let link = dir.join("link");
            std::os::unix::fs::symlink(&c, &link).unwrap();
            assert_eq!(fs::read_link(&link).await.unwrap(), c);
            assert!(fs::symlink_metadata(&link)
                .await
                .unwrap()
                .file_type()
                .is_symlink());
            assert!(fs::metadata(&link).await.unwrap().is_file());
        }

        for f in [&a, &b, &c] {
            fs::remove_file(f).await.unwrap();
            assert!(!fs::try_exists(f).await.unwrap());
        }
        fs::create_dir_all(dir.join("x/y/z")).await.unwrap();
        fs::remove_dir(dir.join("x/y/z")).await.unwrap();
        fs::write(dir.join("x/y/f"), "").await.unwrap();
        fs::remove_dir_all(dir.join("x")).await.unwrap();
        assert!(!fs::try_exists(dir.join("x")).await.unwrap());
    });
});

fn kind<T>(r: std::io::Result<T>) -> ErrorKind {
    r.map(drop).unwrap_err().kind()
}

both_flavors!(errors_keep_std_kinds, |rt| {
    let dir = TempDir::new();
    let missing = dir.join("missing");
    rt.block_on(async {
        assert_eq!(kind(fs::read(&missing).await), ErrorKind::NotFound);
        assert_eq!(kind(fs::metadata(&missing).await), ErrorKind::NotFound);
        assert_eq!(kind(fs::remove_file(&missing).await), ErrorKind::NotFound);
        assert_eq!(kind(fs::read_dir(&missing).await), ErrorKind::NotFound);
        assert_eq!(kind(File::open(&missing).await), ErrorKind::NotFound);
        assert_eq!(
            kind(fs::rename(&missing, dir.join("x")).await),
            ErrorKind::NotFound
        );

        fs::create_dir(dir.join("d")).await.unwrap();
        assert_eq!(
            kind(fs::create_dir(dir.join("d")).await),
            ErrorKind::AlreadyExists
        );
        fs::write(dir.join("f"), [0xff, 0xfe]).await.unwrap();
        assert_eq!(
            kind(File::create_new(dir.join("f")).await),
            ErrorKind::AlreadyExists
        );
        assert_eq!(
            kind(fs::read_to_string(dir.join("f")).await),
            ErrorKind::InvalidData
        );
    });
});

both_flavors!(
    a_failed_background_write_surfaces_on_the_next_operation,
    |rt| {
        let dir = TempDir::new();
        let path = dir.join("read-only");
        std::fs::write(&path, "data").unwrap();
        rt.block_on(async {
            // Opened for reading only: the write is queued and reported done...
            let mut file = File::open(&path).await.unwrap();
            assert_eq!(file.write(b"x").await.unwrap(), 1);
            // ...and its failure comes back from the next operation, here a flush.
            assert!(file.flush().await.is_err(), "the write's error was lost");
            // Reported once; the file still works.
            file.flush().await.unwrap();

            // The next operation may be a read.
            assert_eq!(file.write(b"x").await.unwrap(), 1);
            assert!(
                file.read(&mut [0; 4]).await.is_err(),
                "the write's error was lost"
            );
            let mut text = String::new();
            file.read_to_string(&mut text).await.unwrap();
            assert_eq!(text, "data");
        });
    }
);

#[test]
fn outside_a_runtime_operations_return_a_clear_error() {
    let dir = TempDir::new();
    let path = dir.join("f");
    std::fs::write(&path, "data").unwrap();
    let check = |err: std::io::Error| {
        let msg = err.to_string();
        assert!(msg.contains("`runtime::fs` needs a runtime"), "{msg}");
        assert!(msg.contains("no runtime on this thread"), "{msg}");
    };
    // Polled by another executor: no runtime to run the blocking call on.
    futures::executor::block_on(async {
        check(fs::read(&path).await.unwrap_err());
        check(File::open(&path).await.unwrap_err());
        check(fs::read_dir(&dir.0).await.unwrap_err());
    });

    // A File made outside runs once polled inside a runtime.
    let mut file = File::from_std(std::fs::File::open(&path).unwrap());
    let mut buf = [0; 4];
    check(futures::executor::block_on(file.read_exact(&mut buf)).unwrap_err());
    let rt = rt::current();
    rt.block_on(file.read_exact(&mut buf)).unwrap();
    assert_eq!(&buf, b"data");
}

#[test]
fn public_types_have_debug() {
    let dir = TempDir::new();
    let rt = rt::current();
    rt.block_on(async {
        fs::write(dir.join("f"), "").await.unwrap();
        let file = File::open(dir.join("f")).await.unwrap();
        assert!(format!("{file:?}").starts_with("File"));
        let mut entries = fs::read_dir(&dir.0).await.unwrap();
        assert!(format!("{entries:?}").starts_with("ReadDir"));
        let entry = entries.next_entry().await.unwrap().unwrap();
        let debug = format!("{entry:?}");
        assert!(debug.contains(&format!("{:?}", dir.join("f"))), "{debug}");
        assert!(format!("{:?}", File::options()).starts_with("OpenOptions"));
    });
}
