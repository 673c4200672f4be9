//! `runtime::net::UdpSocket`, on both flavors.
mod common;
use common::*;
use runtime::io::{Interest, ReadBuf};
use runtime::net::UdpSocket;
use std::collections::HashSet;
use std::io::ErrorKind;
use std::time::Duration;

async fn bound() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").await.unwrap()
}

both_flavors!(ten_thousand_datagrams_all_arrive, |rt| {
    // Loopback drops datagrams only when the receiver's buffer overflows:
    // the sender waits for an acknowledgement of each batch of 100 (and
    // resends a batch whose ack does not come), so every datagram arrives.
    const N: u32 = 10_000;
    const BATCH: u32 = 100;
    within(300, move || {
        rt.block_on(async {
            let rx = bound().await;
            let tx = bound().await;
            let rx_addr = rx.local_addr().unwrap();
            tx.connect(rx_addr).await.unwrap();
            rx.connect(tx.local_addr().unwrap()).await.unwrap();
            let receiver = runtime::spawn(async move {
                let mut seen = HashSet::new();
                let mut buf = [0u8; 64];
                while seen.len() < N as usize {
                    let n = rx.recv(&mut buf).await.unwrap();
                    assert_eq!(n, 64, "a datagram arrives whole");
                    let seq = u32::from_le_bytes(buf[..4].try_into().unwrap());
                    assert!(buf[4..].iter().all(|&b| b == seq as u8));
                    seen.insert(seq);
                    // Ack a batch once all of it is in.
                    let batch = seq / BATCH;
                    if (batch * BATCH..(batch + 1) * BATCH).all(|s| seen.contains(&s)) {
                        rx.send(&batch.to_le_bytes()).await.unwrap();
                    }
                }
                seen.len()
            });
            let mut resent = 0;
            for batch in 0..N / BATCH {
                loop {
                    for seq in batch * BATCH..(batch + 1) * BATCH {
                        let mut d = [seq as u8; 64];
                        d[..4].copy_from_slice(&seq.to_le_bytes());
                        assert_eq!(tx.send(&d).await.unwrap(), 64);
                    }
                    let mut ack = [0u8; 4];
                    let acked = runtime::time::timeout(Duration::from_secs(5), async {
                        loop {
                            tx.recv(&mut ack).await.unwrap();
                            if u32::from_le_bytes(ack) == batch {
                                break;
                            }
                        }
                    })
                    .await;
                    if acked.is_ok() {
                        break;
                    }
                    resent += 1;
                    assert!(resent < 20, "batches keep getting lost");
                }
            }
            assert_eq!(receiver.await.unwrap(), N as usize);
        })
    });
});

both_flavors!(send_to_and_recv_from_name_their_peers, |rt| {
    within(60, move || {
        rt.block_on(async {
            let a = bound().await;
            let b = bound().await;
            let b_addr = b.local_addr().unwrap();
            assert_eq!(a.send_to(b"hello", b_addr).await.unwrap(), 5);
            let mut buf = [0; 16];
            let (n, from) = b.peek_from(&mut buf).await.unwrap();
            assert_eq!((&buf[..n], from), (&b"hello"[..], a.local_addr().unwrap()));
            let (n, from) = b.recv_from(&mut buf).await.unwrap();
            assert_eq!((&buf[..n], from), (&b"hello"[..], a.local_addr().unwrap()));
            // A name as the target, resolved on the blocking pool.
            a.send_to(b"by name", ("localhost", b_addr.port()))
                .await
                .ok();
            // poll_ and try_ forms.
            let a_addr = a.local_addr().unwrap();
            std::future::poll_fn(|cx| b.poll_send_to(cx, b"poll", a_addr))
                .await
                .unwrap();
            let mut storage = [0u8; 16];
            let mut rb = ReadBuf::new(&mut storage);
            let from = std::future::poll_fn(|cx| a.poll_peek_from(cx, &mut rb))
                .await
                .unwrap();
            assert_eq!((rb.filled(), from), (&b"poll"[..], b_addr));
            let from = std::future::poll_fn(|cx| a.poll_peek_sender(cx))
                .await
                .unwrap();
            assert_eq!(from, b_addr);
            let mut rb = ReadBuf::new(&mut storage);
            let from = std::future::poll_fn(|cx| a.poll_recv_from(cx, &mut rb))
                .await
                .unwrap();
            assert_eq!((rb.filled(), from), (&b"poll"[..], b_addr));
            assert_eq!(
                a.try_recv_from(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            b.writable().await.unwrap();
            assert_eq!(b.try_send_to(b"try", a_addr).unwrap(), 3);
            a.readable().await.unwrap();
            let (n, _) = loop {
                match a.try_peek_from(&mut buf) {
                    Err(e) if e.kind() == ErrorKind::WouldBlock => a.readable().await.unwrap(),
                    r => break r.unwrap(),
                }
            };
            assert_eq!(&buf[..n], b"try");
            assert_eq!(a.try_recv_from(&mut buf).unwrap(), (3, b_addr));
        })
    });
});

both_flavors!(a_connected_socket_sends_and_receives, |rt| {
    within(60, move || {
        rt.block_on(async {
            let a = bound().await;
            let b = bound().await;
            a.connect(b.local_addr().unwrap()).await.unwrap();
            b.connect(a.local_addr().unwrap()).await.unwrap();
            assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
            a.send(b"one").await.unwrap();
            let mut buf = [0; 8];
            assert_eq!(b.recv(&mut buf).await.unwrap(), 3);
            std::future::poll_fn(|cx| b.poll_send(cx, b"two"))
                .await
                .unwrap();
            let mut storage = [0u8; 8];
            let mut rb = ReadBuf::new(&mut storage);
            std::future::poll_fn(|cx| a.poll_recv(cx, &mut rb))
                .await
                .unwrap();
            assert_eq!(rb.filled(), b"two");
            let ready = a.ready(Interest::WRITABLE).await.unwrap();
            assert!(ready.is_writable());
            assert_eq!(a.try_send(b"three").unwrap(), 5);
            let n = loop {
                b.readable().await.unwrap();
                match b.try_recv(&mut buf) {
                    Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                    r => break r.unwrap(),
                }
            };
            assert_eq!(&buf[..n], b"three");
        })
    });
});

both_flavors!(socket_options_are_set_and_read_back, |rt| {
    within(60, move || {
        rt.block_on(async {
            let s = bound().await;
            s.set_broadcast(true).unwrap();
            assert!(s.broadcast().unwrap());
            s.set_ttl(33).unwrap();
            assert_eq!(s.ttl().unwrap(), 33);
            s.set_multicast_loop_v4(false).unwrap();
            assert!(!s.multicast_loop_v4().unwrap());
            s.set_multicast_ttl_v4(4).unwrap();
            assert_eq!(s.multicast_ttl_v4().unwrap(), 4);
            assert!(s.take_error().unwrap().is_none());
            assert!(format!("{s:?}").contains("UdpSocket"));
            let group = std::net::Ipv4Addr::new(239, 255, 0, 77);
            // Joining needs a multicast-capable interface; a container may
            // have none, where the error is the OS's, not ours.
            if s.join_multicast_v4(group, std::net::Ipv4Addr::UNSPECIFIED)
                .is_ok()
            {
                s.leave_multicast_v4(group, std::net::Ipv4Addr::UNSPECIFIED)
                    .unwrap();
            }
            let std = s.into_std().unwrap();
            let back = UdpSocket::from_std(std).unwrap();
            back.send_to(b"x", back.local_addr().unwrap())
                .await
                .unwrap();
            let mut buf = [0; 1];
            assert_eq!(back.recv_from(&mut buf).await.unwrap().0, 1);
        })
    });
});
