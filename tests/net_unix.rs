//! `runtime::net`'s Unix-domain sockets, on both flavors.
mod common;
use common::*;
use runtime::io::{AsyncReadExt, AsyncWriteExt, Interest};
use runtime::net::{UnixDatagram, UnixListener, UnixStream};
use std::io::ErrorKind;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

/// A fresh socket path under the temp dir, removed on drop.
struct SockPath(PathBuf);

impl SockPath {
    fn new() -> SockPath {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "runtime-net-{}-{}.sock",
            std::process::id(),
            NEXT.fetch_add(1, SeqCst)
        );
        SockPath(std::env::temp_dir().join(name))
    }
}

impl Drop for SockPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

both_flavors!(a_unix_stream_echoes_through_a_listener, |rt| {
    within(60, move || {
        rt.block_on(async {
            let path = SockPath::new();
            let listener = UnixListener::bind(&path.0).unwrap();
            assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(&*path.0));
            let server = runtime::spawn(async move {
                let (mut s, _) = listener.accept().await.unwrap();
                let (mut rd, mut wr) = s.split();
                runtime::io::copy(&mut rd, &mut wr).await.unwrap()
            });
            let mut c = UnixStream::connect(&path.0).await.unwrap();
            assert_eq!(c.peer_addr().unwrap().as_pathname(), Some(&*path.0));
            let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 253) as u8).collect();
            let (mut rd, mut wr) = c.split();
            let (w, r) = runtime::join!(
                async {
                    wr.write_all(&data).await?;
                    wr.shutdown().await
                },
                async {
                    let mut v = Vec::new();
                    rd.read_to_end(&mut v).await.map(|_| v)
                }
            );
            w.unwrap();
            assert_eq!(r.unwrap(), data);
            assert_eq!(server.await.unwrap(), data.len() as u64);
            // Half-closed: the server is gone and we read EOF again.
            assert_eq!(c.read(&mut [0; 4]).await.unwrap(), 0);
        })
    });
});

both_flavors!(a_unix_pair_splits_and_reunites, |rt| {
    within(60, move || {
        rt.block_on(async {
            let (a, mut b) = UnixStream::pair().unwrap();
            let (rd, mut wr) = a.into_split();
            wr.write_all(b"owned").await.unwrap();
            let mut buf = [0; 5];
            b.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"owned");
            let a = rd.reunite(wr).unwrap();
            // try_ forms after readiness.
            b.try_write(b"xyz").unwrap();
            let n = loop {
                a.readable().await.unwrap();
                match a.try_read(&mut buf) {
                    Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                    r => break r.unwrap(),
                }
            };
            assert_eq!(&buf[..n], b"xyz");
            assert!(a.ready(Interest::WRITABLE).await.unwrap().is_writable());
            // Dropping the owned read half leaves the write half usable.
            let (rd, mut wr) = a.into_split();
            drop(rd);
            wr.write_all(b"after").await.unwrap();
            b.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"after");
            drop(wr);
            assert_eq!(
                b.read(&mut buf).await.unwrap(),
                0,
                "the write half shut on drop"
            );
            // futures-io too.
            let (mut c, mut d) = UnixStream::pair().unwrap();
            futures::io::AsyncWriteExt::write_all(&mut c, b"fio")
                .await
                .unwrap();
            let mut three = [0; 3];
            futures::io::AsyncReadExt::read_exact(&mut d, &mut three)
                .await
                .unwrap();
            assert_eq!(&three, b"fio");
        })
    });
});

both_flavors!(unix_datagrams_between_bound_and_paired_sockets, |rt| {
    within(60, move || {
        rt.block_on(async {
            let (pa, pb) = (SockPath::new(), SockPath::new());
            let a = UnixDatagram::bind(&pa.0).unwrap();
            let b = UnixDatagram::bind(&pb.0).unwrap();
            for i in 0..1000u32 {
                a.send_to(&i.to_le_bytes(), &pb.0).await.unwrap();
                let mut buf = [0; 8];
                let (n, from) = b.recv_from(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], i.to_le_bytes());
                assert_eq!(from.as_pathname(), Some(&*pa.0));
            }
            let (x, y) = UnixDatagram::pair().unwrap();
            x.send(b"pair").await.unwrap();
            let mut buf = [0; 8];
            assert_eq!(y.recv(&mut buf).await.unwrap(), 4);
            assert_eq!(
                y.try_recv(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            let u = UnixDatagram::unbound().unwrap();
            u.connect(&pb.0).unwrap();
            u.send(b"unbound").await.unwrap();
            assert_eq!(b.recv(&mut buf).await.unwrap(), 7);
            assert!(format!("{u:?}").contains("UnixDatagram"));
        })
    });
});

both_flavors!(connecting_to_a_missing_socket_fails, |rt| {
    within(60, move || {
        rt.block_on(async {
            let path = SockPath::new();
            let err = UnixStream::connect(&path.0).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
        })
    });
});
