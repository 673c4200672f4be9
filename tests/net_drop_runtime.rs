//! Dropping a runtime with 500 connections mid-read: every socket is
//! closed and every task dropped. Alone in its binary, since it counts the
//! process's open descriptors.
mod common;
use common::*;
use runtime::io::AsyncReadExt;
use runtime::net::{TcpListener, TcpStream};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn dropping_a_runtime_mid_read_closes_every_socket_and_drops_every_task() {
    const CONNS: usize = 500;
    let flavors: [fn() -> runtime::Runtime; 2] = [rt::current, || rt::multi(2)];
    for build in flavors {
        let before = open_fds();
        let drops = DropCounter::default();
        let rt = build();
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            for _ in 0..CONNS {
                let (client, accepted) =
                    runtime::join!(TcpStream::connect(addr), listener.accept());
                for mut s in [client.unwrap(), accepted.unwrap().0] {
                    let tracked = drops.track();
                    runtime::spawn(async move {
                        let _tracked = tracked;
                        // Nobody writes: this read waits until the runtime goes.
                        let _ = s.read(&mut [0; 64]).await;
                        unreachable!("nothing was written");
                    });
                }
            }
        });
        assert_eq!(rt.handle().metrics().num_alive_tasks(), 2 * CONNS);
        assert!(open_fds() >= before + 2 * CONNS);
        within(60, move || drop(rt));
        assert_eq!(drops.get(), 2 * CONNS, "every task was dropped");
        assert_eq!(
            open_fds(),
            before,
            "every socket (and the driver) was closed"
        );
    }
}
