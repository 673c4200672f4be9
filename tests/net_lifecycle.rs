//! `runtime::net` sockets and their runtime: made outside one, used after
//! it shut down, under paused time; and the bad conditions a server meets
//! (descriptors running out, SIGPIPE), each in a child process of its own.
mod common;
use common::*;
use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream, UdpSocket, UnixStream};
use runtime::time::{self, Instant};
use std::io::ErrorKind;
use std::process::Command;
use std::time::Duration;

both_flavors!(
    a_socket_used_after_its_runtime_shut_down_returns_an_error,
    |rt| {
        let (listener, stream, udp) = rt.block_on(async {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let s = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
            let u = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            (l, s, u)
        });
        drop(rt);
        let check = |e: std::io::Error| assert!(e.to_string().contains("shut down"), "{e}");
        // In another runtime: an error, not a hang (the old driver is gone).
        let other = rt::current();
        within(60, move || {
            other.block_on(async {
                check(listener.accept().await.unwrap_err());
                check(udp.recv_from(&mut [0; 8]).await.unwrap_err());
                let mut s = stream;
                check(s.read(&mut [0; 8]).await.unwrap_err());
                check(s.readable().await.unwrap_err());
            });
            // And outside any runtime, polled by another executor.
            check(futures::executor::block_on(listener.accept()).unwrap_err());
        });
    }
);

both_flavors!(from_std_made_outside_a_runtime_binds_at_first_use, |rt| {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = std_listener.local_addr().unwrap();
    let std_client = std::net::TcpStream::connect(addr).unwrap();
    // Made on a plain thread, no runtime anywhere.
    let listener = TcpListener::from_std(std_listener).unwrap();
    let client = TcpStream::from_std(std_client).unwrap();
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    let (ua, ub) = (
        UnixStream::from_std(a).unwrap(),
        UnixStream::from_std(b).unwrap(),
    );
    within(60, move || {
        rt.block_on(async move {
            let (mut server, _) = listener.accept().await.unwrap();
            let mut client = client;
            client.write_all(b"bound").await.unwrap();
            let mut buf = [0; 5];
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"bound");
            let (mut ua, mut ub) = (ua, ub);
            ua.write_all(b"unix").await.unwrap();
            let mut buf = [0; 4];
            ub.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"unix");
            // And back to std, deregistered but open.
            let mut std_server = server.into_std().unwrap();
            std_server.set_nonblocking(false).unwrap();
            client.write_all(b"std").await.unwrap();
            let mut buf = [0; 3];
            std::io::Read::read_exact(&mut std_server, &mut buf).unwrap();
            assert_eq!(&buf, b"std");
        })
    });
});

#[test]
fn a_socket_used_outside_any_runtime_says_so() {
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    let mut s = UnixStream::from_std(a).unwrap();
    let err = futures::executor::block_on(s.read(&mut [0; 4])).unwrap_err();
    assert!(err.to_string().contains("outside a runtime"), "{err}");
    let err = futures::executor::block_on(s.writable()).unwrap_err();
    assert!(err.to_string().contains("outside a runtime"), "{err}");
    assert!(s.try_write(b"x").is_err());
}

#[test]
fn readiness_and_timers_race_fairly_under_paused_time() {
    let rt = rt::paused();
    within(60, move || {
        rt.block_on(async {
            let (a, mut b) = UnixStream::pair().unwrap();
            let start = Instant::now();
            // Ready already: the socket wins, and time does not move.
            b.write_all(b"x").await.unwrap();
            runtime::select! {
                _ = time::sleep(Duration::from_secs(3600)) => panic!("the sleep won"),
                r = a.readable() => r.unwrap(),
            }
            assert_eq!(Instant::now(), start);
            let mut buf = [0; 1];
            assert_eq!(a.try_read(&mut buf).unwrap(), 1);
            // Drained: the readiness is cleared by the `WouldBlock`.
            assert_eq!(
                a.try_read(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );

            // Nothing to read: time jumps to the sleep's deadline.
            runtime::select! {
                _ = time::sleep(Duration::from_secs(3600)) => {}
                _ = a.readable() => panic!("nothing was written"),
            }
            assert_eq!(Instant::now() - start, Duration::from_secs(3600));

            // Written by a task after a paused 10 s: the I/O event comes
            // before the clock jumps to the next timer.
            let start = Instant::now();
            let writer = runtime::spawn(async move {
                time::sleep(Duration::from_secs(10)).await;
                b.write_all(b"y").await.unwrap();
                b
            });
            runtime::select! {
                _ = time::sleep(Duration::from_secs(3600)) => panic!("the sleep won"),
                r = a.readable() => r.unwrap(),
            }
            assert_eq!(Instant::now() - start, Duration::from_secs(10));
            drop(writer.await.unwrap());
        })
    });
}

/// Runs the test `name` of this binary alone in a child process with
/// `RUNTIME_NET_CHILD` set, and fails if the child fails (or dies by a
/// signal).
fn in_child(name: &str) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env("RUNTIME_NET_CHILD", name)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child {name}: {:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

fn is_child(name: &str) -> bool {
    std::env::var("RUNTIME_NET_CHILD").as_deref() == Ok(name)
}

fn set_soft_fd_limit(n: u64) -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid rlimit to fill and then to set.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        let old = lim.rlim_cur;
        lim.rlim_cur = n.min(lim.rlim_max);
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
        old
    }
}

/// User + system CPU time of this process.
fn cpu_time() -> Duration {
    // SAFETY: `getrusage` fills the zeroed struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

#[test]
fn accept_under_emfile_returns_the_error_and_recovers() {
    const NAME: &str = "accept_under_emfile_returns_the_error_and_recovers";
    if !is_child(NAME) {
        return in_child(NAME);
    }
    for rt in [rt::current(), rt::multi(2)] {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            // Connected by the kernel, waiting in the backlog to be accepted.
            let client = std::net::TcpStream::connect(addr).unwrap();
            // Use up every descriptor under a low limit.
            let old = set_soft_fd_limit(256);
            let mut hogs = Vec::new();
            loop {
                match std::fs::File::open("/dev/null") {
                    Ok(f) => hogs.push(f),
                    Err(e) if e.raw_os_error() == Some(libc::EMFILE) => break,
                    Err(e) => panic!("{e}"),
                }
            }
            let emfile = |r: std::io::Result<(TcpStream, std::net::SocketAddr)>| {
                let e = r.map(drop).unwrap_err();
                assert_eq!(e.raw_os_error(), Some(libc::EMFILE), "{e}");
            };
            // The error comes back to the caller, and again on a retry:
            // the listener stays ready (the connection is still queued).
            let accept = || time::timeout(Duration::from_secs(30), listener.accept());
            emfile(accept().await.expect("accept hung under EMFILE"));
            emfile(accept().await.expect("accept hung on a retry"));
            // Nothing spins meanwhile: the process idles (a generous bound:
            // half of the elapsed time would be a busy thread).
            let cpu = cpu_time(); // not from /proc: that needs a descriptor
            std::thread::sleep(Duration::from_millis(500));
            let spent = cpu_time() - cpu;
            assert!(
                spent < Duration::from_millis(250),
                "{spent:?} of CPU in 500 ms of idling"
            );
            // Descriptors free up: the same listener accepts the connection.
            hogs.truncate(hogs.len() - 8);
            let (stream, peer) = accept().await.unwrap().unwrap();
            assert_eq!(peer, client.local_addr().unwrap());
            drop((stream, hogs));
            set_soft_fd_limit(old);
        });
    }
}

#[test]
fn writing_to_a_closed_peer_never_raises_sigpipe() {
    const NAME: &str = "writing_to_a_closed_peer_never_raises_sigpipe";
    if !is_child(NAME) {
        return in_child(NAME);
    }
    // A C host or a `cdylib` may leave SIGPIPE at its default (terminate)
    // instead of ignoring it as Rust's `main` does.
    // SAFETY: restoring a signal's default disposition, before any thread
    // of this test is started.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let rt = rt::current();
    rt.block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (c, s) = runtime::join!(TcpStream::connect(l.local_addr().unwrap()), l.accept());
        let (mut tcp, _server) = (c.unwrap(), s.unwrap());
        let (mut unix, unix_peer) = UnixStream::pair().unwrap();
        drop(unix_peer);
        let e = unix.write_all(b"x").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BrokenPipe);
        let bufs = [std::io::IoSlice::new(b"a"), std::io::IoSlice::new(b"b")];
        let e = unix.write_vectored(&bufs).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BrokenPipe);
        // TCP: writing after shutting our own write half.
        tcp.shutdown().await.unwrap();
        let e = tcp.write_all(b"x").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BrokenPipe);
        let e = tcp.write_vectored(&bufs).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BrokenPipe);
    });
}
