//! Idle workers burn no CPU, even with many connections open: with 1 000
//! idle TCP connections, each with a task waiting to read, the workers of a
//! runtime sleep (one in the driver's `epoll_wait`, the other on its
//! condvar) and use no CPU time until something arrives.

mod common;
use runtime::io::AsyncReadExt;
use runtime::net::{TcpListener, TcpStream};
use std::time::Duration;

#[test]
fn a_thousand_idle_connections_cost_no_cpu() {
    let conns = 1000.min((common::raise_fd_limit().saturating_sub(256) / 2) as usize);
    assert!(conns >= 100, "RLIMIT_NOFILE is too low to test anything");
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("idle-net")
        .build()
        .unwrap();
    let (rt, clients) = common::within(120, move || {
        let clients = rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mut clients = Vec::new();
            for _ in 0..conns {
                clients.push(TcpStream::connect(addr).await.unwrap());
                let (mut server, _) = listener.accept().await.unwrap();
                runtime::spawn(async move {
                    let mut buf = [0u8; 16];
                    let _ = server.read(&mut buf).await;
                });
            }
            clients
        });
        (rt, clients)
    });
    let m = rt.handle().metrics();
    assert!(m.num_io_sources() >= conns);
    // Let the workers settle into sleep, then watch them for a second.
    std::thread::sleep(Duration::from_millis(200));
    let parks = |m: &runtime::RuntimeMetrics| (0..2).map(|i| m.worker_park_count(i)).sum::<u64>();
    let ticks = || common::cpu::thread_cpu_ticks("idle-net").expect("the runtime's threads");
    let (p0, t0) = (parks(&m), ticks());
    std::thread::sleep(Duration::from_secs(1));
    let (p1, t1) = (parks(&m), ticks());
    // A spinning or ping-ponging worker would park thousands of times and
    // use most of a core (100 ticks a second).
    assert!(p1 - p0 <= 4, "workers woke {} times while idle", p1 - p0);
    assert!(
        t1 - t0 <= 3,
        "idle workers used {} CPU ticks in 1 s",
        t1 - t0
    );
    drop(clients);
}
