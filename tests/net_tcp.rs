//! `runtime::net` TCP: streams, listeners, sockets, on both flavors.
mod common;
use common::*;
use runtime::io::{AsyncReadExt, AsyncWriteExt, Interest};
use runtime::net::{TcpListener, TcpSocket, TcpStream};
use std::io::{ErrorKind, IoSlice};
use std::net::SocketAddr;
use std::time::Duration;

/// Byte `i` of a stream that does not repeat every 256 bytes, so a lost or
/// misplaced chunk shows.
fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(31) % 251) as u8
}

/// A listener on a free loopback port, and its address.
async fn listener() -> (TcpListener, SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    (l, addr)
}

/// A connected pair: (client, server).
async fn pair() -> (TcpStream, TcpStream) {
    let (l, addr) = listener().await;
    let (client, accepted) = runtime::join!(TcpStream::connect(addr), l.accept());
    (client.unwrap(), accepted.unwrap().0)
}

both_flavors!(echo_64_mib_each_way_at_once, |rt| {
    const LEN: usize = 64 << 20;
    within(300, move || {
        rt.block_on(async {
            let (l, addr) = listener().await;
            let server = runtime::spawn(async move {
                let (mut s, _) = l.accept().await.unwrap();
                let (mut rd, mut wr) = s.split();
                let n = runtime::io::copy(&mut rd, &mut wr).await.unwrap();
                wr.shutdown().await.unwrap();
                n
            });
            let client = TcpStream::connect(addr).await.unwrap();
            let (mut rd, mut wr) = client.into_split();
            let writer = runtime::spawn(async move {
                let chunk: Vec<u8> = (0..LEN).map(pattern).collect();
                // Odd-sized writes, so writes and reads never line up.
                for part in chunk.chunks(100_003) {
                    wr.write_all(part).await.unwrap();
                }
                wr.shutdown().await.unwrap();
                wr
            });
            let mut got = 0;
            let mut buf = vec![0; 65_536];
            loop {
                let n = rd.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                for (k, b) in buf[..n].iter().enumerate() {
                    assert_eq!(*b, pattern(got + k), "byte {} came back wrong", got + k);
                }
                got += n;
            }
            assert_eq!(got, LEN);
            assert_eq!(server.await.unwrap(), LEN as u64);
            let wr = writer.await.unwrap();
            rd.reunite(wr).unwrap();
        })
    });
});

both_flavors!(thousand_connections_each_exchange_100_messages, |rt| {
    // Each connection takes two descriptors (both ends live in this process),
    // and other tests run beside this one: scale down only where the hard
    // limit is too low for 1 000.
    let conns = (1000).min((common::raise_fd_limit().saturating_sub(512) / 4) as usize);
    assert!(conns >= 100, "RLIMIT_NOFILE is too low to test anything");
    within(300, move || {
        rt.block_on(async move {
            let (l, addr) = listener().await;
            let server = runtime::spawn(async move {
                let mut handlers = Vec::new();
                for _ in 0..conns {
                    let (mut s, _) = l.accept().await.unwrap();
                    handlers.push(runtime::spawn(async move {
                        let mut msg = [0u8; 16];
                        for _ in 0..100 {
                            s.read_exact(&mut msg).await.unwrap();
                            s.write_all(&msg).await.unwrap();
                        }
                    }));
                }
                for h in handlers {
                    h.await.unwrap();
                }
            });
            let clients: Vec<_> = (0..conns as u64)
                .map(|c| {
                    runtime::spawn(async move {
                        let mut s = TcpStream::connect(addr).await.unwrap();
                        for m in 0..100u64 {
                            let mut msg = [0u8; 16];
                            msg[..8].copy_from_slice(&c.to_le_bytes());
                            msg[8..].copy_from_slice(&m.to_le_bytes());
                            s.write_all(&msg).await.unwrap();
                            let mut back = [0u8; 16];
                            s.read_exact(&mut back).await.unwrap();
                            assert_eq!(back, msg);
                        }
                        100
                    })
                })
                .collect();
            let mut total = 0;
            for c in clients {
                total += c.await.unwrap();
            }
            server.await.unwrap();
            assert_eq!(total, conns * 100);
        })
    });
});

both_flavors!(a_half_closed_peer_reads_eof_and_writes_still_work, |rt| {
    within(60, move || {
        rt.block_on(async {
            let (mut client, mut server) = pair().await;
            client.write_all(b"question").await.unwrap();
            client.shutdown().await.unwrap();
            let mut got = Vec::new();
            server.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"question");
            assert_eq!(server.read(&mut [0; 8]).await.unwrap(), 0, "EOF again");
            // The half-closed side can still receive.
            server.write_all(b"answer").await.unwrap();
            drop(server);
            let mut answer = Vec::new();
            client.read_to_end(&mut answer).await.unwrap();
            assert_eq!(answer, b"answer");
        })
    });
});

both_flavors!(a_peer_reset_is_connection_reset, |rt| {
    within(60, move || {
        rt.block_on(async {
            let (mut client, server) = pair().await;
            server.set_linger(Some(Duration::ZERO)).unwrap();
            assert_eq!(server.linger().unwrap(), Some(Duration::ZERO));
            drop(server); // SO_LINGER 0: close sends a reset
            let err = client.read(&mut [0; 8]).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
        })
    });
});

both_flavors!(writing_to_a_closed_peer_is_broken_pipe, |rt| {
    within(60, move || {
        rt.block_on(async {
            let (mut client, server) = pair().await;
            drop(server);
            // The first write may still be accepted (the peer answers it with
            // a reset); the kernel reports the reset once, then a broken pipe.
            let mut kinds = Vec::new();
            for _ in 0..100 {
                match client.write(b"anyone there?").await {
                    Ok(_) => {}
                    Err(e) => {
                        kinds.push(e.kind());
                        if e.kind() == ErrorKind::BrokenPipe {
                            break;
                        }
                    }
                }
                runtime::time::sleep(Duration::from_millis(1)).await;
            }
            assert_eq!(kinds.last(), Some(&ErrorKind::BrokenPipe), "{kinds:?}");
            assert!(kinds
                .iter()
                .all(|k| matches!(k, ErrorKind::BrokenPipe | ErrorKind::ConnectionReset)));
        })
    });
});

both_flavors!(dropping_one_owned_half_leaves_the_other_usable, |rt| {
    within(60, move || {
        rt.block_on(async {
            let (client, mut server) = pair().await;
            let (rd, mut wr) = client.into_split();
            drop(rd);
            wr.write_all(b"still here").await.unwrap();
            let mut buf = [0; 10];
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"still here");

            let (client, mut server) = pair().await;
            let (mut rd, wr) = client.into_split();
            // Dropping the write half shuts it: the server reads EOF...
            drop(wr);
            assert_eq!(server.read(&mut [0; 4]).await.unwrap(), 0);
            // ...and the read half still reads.
            server.write_all(b"ok").await.unwrap();
            let mut buf = [0; 2];
            rd.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"ok");
        })
    });
});

both_flavors!(halves_reunite_only_with_their_own_stream, |rt| {
    within(60, move || {
        rt.block_on(async {
            let (a, _a_peer) = pair().await;
            let (b, mut b_peer) = pair().await;
            let (a_rd, a_wr) = a.into_split();
            let (b_rd, b_wr) = b.into_split();
            let err = a_rd.reunite(b_wr).unwrap_err();
            assert!(err.to_string().contains("not from the same"), "{err}");
            let runtime::net::tcp::ReuniteError(a_rd, b_wr) = err;
            let _a = a_rd.reunite(a_wr).unwrap();
            let mut b = b_wr.reunite(b_rd).unwrap();
            // Reuniting did not shut the write half.
            b.write_all(b"whole").await.unwrap();
            let mut buf = [0; 5];
            b_peer.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"whole");
        })
    });
});

both_flavors!(borrowed_halves_read_and_write_at_once, |rt| {
    within(60, move || {
        rt.block_on(async {
            let (mut client, mut server) = pair().await;
            let (mut rd, mut wr) = client.split();
            let (mut srd, mut swr) = server.split();
            let (w, r, sw, sr) = runtime::join!(
                wr.write_all(&[1; 300_000]),
                async {
                    let mut v = vec![0; 300_000];
                    rd.read_exact(&mut v).await.map(|_| v)
                },
                swr.write_all(&[2; 300_000]),
                async {
                    let mut v = vec![0; 300_000];
                    srd.read_exact(&mut v).await.map(|_| v)
                },
            );
            w.unwrap();
            sw.unwrap();
            assert!(r.unwrap().iter().all(|&b| b == 2));
            assert!(sr.unwrap().iter().all(|&b| b == 1));
        })
    });
});

both_flavors!(vectored_writes_send_every_buffer_in_one_call, |rt| {
    within(60, move || {
        rt.block_on(async {
            let (mut client, mut server) = pair().await;
            assert!(runtime::io::AsyncWrite::is_write_vectored(&client));
            let bufs = [
                IoSlice::new(b"one "),
                IoSlice::new(b"two "),
                IoSlice::new(b"three"),
            ];
            let n = client.write_vectored(&bufs).await.unwrap();
            assert_eq!(n, 13, "small buffers all go in one sendmsg");
            let mut buf = [0; 13];
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"one two three");
            client.writable().await.unwrap();
            assert_eq!(client.try_write_vectored(&bufs).unwrap(), 13);
            server.readable().await.unwrap();
            let (mut x, mut y) = ([0; 6], [0; 7]);
            let mut into = [
                std::io::IoSliceMut::new(&mut x),
                std::io::IoSliceMut::new(&mut y),
            ];
            assert_eq!(server.try_read_vectored(&mut into).unwrap(), 13);
            assert_eq!((&x, &y), (b"one tw", b"o three"));
        })
    });
});

both_flavors!(futures_io_traits_read_and_write, |rt| {
    within(60, move || {
        rt.block_on(async {
            let (mut client, mut server) = pair().await;
            futures::io::AsyncWriteExt::write_all(&mut client, b"futures")
                .await
                .unwrap();
            futures::io::AsyncWriteExt::close(&mut client)
                .await
                .unwrap();
            let mut got = Vec::new();
            futures::io::AsyncReadExt::read_to_end(&mut server, &mut got)
                .await
                .unwrap();
            assert_eq!(got, b"futures");
            // And through futures' own adapters, on the split halves.
            let (rd, mut wr) = server.into_split();
            futures::io::AsyncWriteExt::write_all(&mut wr, b"back")
                .await
                .unwrap();
            drop(wr);
            let mut back = String::new();
            futures::io::AsyncReadExt::read_to_string(&mut client, &mut back)
                .await
                .unwrap();
            assert_eq!(back, "back");
            drop(rd);
        })
    });
});

both_flavors!(peek_leaves_the_bytes_for_the_next_read, |rt| {
    within(60, move || {
        rt.block_on(async {
            let (mut client, mut server) = pair().await;
            client.write_all(b"peekaboo").await.unwrap();
            let mut buf = [0; 4];
            // Loopback delivers it whole, but wait until all of it is there.
            while server.peek(&mut [0; 8]).await.unwrap() < 8 {
                runtime::task::yield_now().await;
            }
            assert_eq!(server.peek(&mut buf).await.unwrap(), 4);
            assert_eq!(&buf, b"peek");
            let mut all = [0; 8];
            server.read_exact(&mut all).await.unwrap();
            assert_eq!(&all, b"peekaboo");
            let mut rbuf = [0u8; 8];
            let mut read_buf = runtime::io::ReadBuf::new(&mut rbuf);
            client.write_all(b"again").await.unwrap();
            let n = std::future::poll_fn(|cx| server.poll_peek(cx, &mut read_buf))
                .await
                .unwrap();
            assert_eq!(read_buf.filled(), &b"again"[..n]);
        })
    });
});

both_flavors!(try_read_and_try_write_after_readiness, |rt| {
    within(60, move || {
        rt.block_on(async {
            let (client, server) = pair().await;
            let ready = client.ready(Interest::WRITABLE).await.unwrap();
            assert!(ready.is_writable());
            assert_eq!(client.try_write(b"abc").unwrap(), 3);
            let mut buf = [0; 8];
            let n = loop {
                server.readable().await.unwrap();
                match server.try_read(&mut buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                    Err(e) => panic!("{e}"),
                }
            };
            assert_eq!(&buf[..n], b"abc");
            // Drained: nothing more now.
            assert_eq!(
                server.try_read(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            // try_io with an operation of our own.
            let n = server
                .try_io(Interest::READABLE, || {
                    Err::<usize, _>(ErrorKind::WouldBlock.into())
                })
                .unwrap_err();
            assert_eq!(n.kind(), ErrorKind::WouldBlock);
        })
    });
});

both_flavors!(options_are_set_and_read_back, |rt| {
    within(60, move || {
        rt.block_on(async {
            let (client, server) = pair().await;
            client.set_nodelay(true).unwrap();
            assert!(client.nodelay().unwrap());
            client.set_ttl(42).unwrap();
            assert_eq!(client.ttl().unwrap(), 42);
            assert_eq!(client.peer_addr().unwrap(), server.local_addr().unwrap());
            assert_eq!(client.local_addr().unwrap(), server.peer_addr().unwrap());
            assert!(client.take_error().unwrap().is_none());
            let (l, _) = listener().await;
            l.set_ttl(7).unwrap();
            assert_eq!(l.ttl().unwrap(), 7);
            // Debug and raw descriptors on every type.
            use std::os::fd::{AsFd, AsRawFd};
            assert!(format!("{client:?}").contains("TcpStream"));
            assert!(format!("{l:?}").contains("TcpListener"));
            assert_eq!(client.as_fd().as_raw_fd(), client.as_raw_fd());
        })
    });
});

both_flavors!(connecting_to_a_closed_port_is_refused, |rt| {
    within(60, move || {
        rt.block_on(async {
            // A port that was free a moment ago: nothing listens there.
            let addr = {
                let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                l.local_addr().unwrap()
            };
            let err = TcpStream::connect(addr).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
        })
    });
});

both_flavors!(connect_resolves_names_and_tries_each_address, |rt| {
    within(60, move || {
        rt.block_on(async {
            let (l, addr) = listener().await;
            let accept = runtime::spawn(async move { l.accept().await.map(|_| ()) });
            // A name (on the blocking pool), and a list whose first entry fails.
            let s = TcpStream::connect(("localhost", addr.port())).await;
            // `localhost` may resolve to ::1 first, where nothing listens.
            assert!(s.is_ok(), "{s:?}");
            accept.await.unwrap().unwrap();
            let dead = {
                let d = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                d.local_addr().unwrap()
            };
            let (l2, addr2) = listener().await;
            let accept = runtime::spawn(async move { l2.accept().await.map(|_| ()) });
            TcpStream::connect(&[dead, addr2][..]).await.unwrap();
            accept.await.unwrap().unwrap();
            let err = TcpStream::connect(&[][..] as &[SocketAddr])
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
        })
    });
});

both_flavors!(tcp_socket_sets_options_before_connect_and_listen, |rt| {
    within(60, move || {
        rt.block_on(async {
            let socket = TcpSocket::new_v4().unwrap();
            socket.set_reuseaddr(true).unwrap();
            socket.set_reuseport(true).unwrap();
            assert!(socket.reuseaddr().unwrap());
            assert!(socket.reuseport().unwrap());
            socket.set_recv_buffer_size(1 << 16).unwrap();
            assert!(socket.recv_buffer_size().unwrap() >= 1 << 16);
            socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let addr = socket.local_addr().unwrap();
            let l = socket.listen(16).unwrap();
            assert_eq!(l.local_addr().unwrap(), addr);

            let client = TcpSocket::new_v4().unwrap();
            client.set_nodelay(true).unwrap();
            client.set_send_buffer_size(1 << 16).unwrap();
            assert!(client.send_buffer_size().unwrap() >= 1 << 16);
            assert!(format!("{client:?}").contains("TcpSocket"));
            let (s, a) = runtime::join!(client.connect(addr), l.accept());
            let s = s.unwrap();
            assert!(s.nodelay().unwrap(), "an option set before connect stays");
            assert_eq!(a.unwrap().1, s.local_addr().unwrap());
        })
    });
});

both_flavors!(lookup_host_resolves_names_and_passes_literals, |rt| {
    within(60, move || {
        rt.block_on(async {
            let addrs: Vec<_> = runtime::net::lookup_host("localhost:80")
                .await
                .unwrap()
                .collect();
            assert!(!addrs.is_empty());
            assert!(addrs.iter().all(|a| a.port() == 80 && a.ip().is_loopback()));
            let one: Vec<_> = runtime::net::lookup_host(("::1", 9))
                .await
                .unwrap()
                .collect();
            assert_eq!(one, ["[::1]:9".parse::<SocketAddr>().unwrap()]);
            let err = runtime::net::lookup_host("no port here").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        })
    });
});

#[test]
fn literal_addresses_resolve_without_a_runtime_and_names_say_they_need_one() {
    // Polled by another executor: literals need no blocking pool...
    let addrs: Vec<_> = futures::executor::block_on(runtime::net::lookup_host("127.0.0.1:5"))
        .unwrap()
        .collect();
    assert_eq!(addrs, ["127.0.0.1:5".parse::<SocketAddr>().unwrap()]);
    // ...and a name is an error that says what is missing, not a panic.
    let err = futures::executor::block_on(runtime::net::lookup_host("localhost:5")).unwrap_err();
    assert!(err.to_string().contains("blocking pool"), "{err}");
}

both_flavors!(accept_from_many_tasks_at_once, |rt| {
    within(60, move || {
        rt.block_on(async {
            let (l, addr) = listener().await;
            let l = std::sync::Arc::new(l);
            let acceptors: Vec<_> = (0..4)
                .map(|_| {
                    let l = l.clone();
                    runtime::spawn(async move { l.accept().await.unwrap().0 })
                })
                .collect();
            let mut clients = Vec::new();
            for _ in 0..4 {
                clients.push(TcpStream::connect(addr).await.unwrap());
            }
            for a in acceptors {
                a.await.unwrap();
            }
            // poll_accept, too.
            let c = TcpStream::connect(addr).await.unwrap();
            let (s, peer) = std::future::poll_fn(|cx| l.poll_accept(cx)).await.unwrap();
            assert_eq!(peer, c.local_addr().unwrap());
            drop(s);
        })
    });
});
