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
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
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

/// Voluntary context switches of this process's threads whose name starts
/// with one of `prefixes`: how often they went to sleep (Linux).
fn context_switches(prefixes: &[&str]) -> u64 {
    let mut total = 0;
    let mut seen = 0;
    for task in std::fs::read_dir("/proc/self/task").unwrap() {
        let Ok(status) = std::fs::read_to_string(task.unwrap().path().join("status")) else {
            continue; // exited meanwhile
        };
        let field = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .map(|v| v.trim().to_string())
        };
        let name = field("Name:").unwrap_or_default();
        if prefixes.iter().any(|p| name.starts_with(p)) {
            seen += 1;
            total += field("voluntary_ctxt_switches:")
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    assert!(seen > 0, "no thread named {prefixes:?}");
    total
}

/// One test at a time: the watchdog thread is the process's, and another
/// test's runtime would keep it sampling.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Opens `conns` connections to a listener on the current runtime, each
/// served by a task waiting to read.
async fn idle_connections(conns: usize) -> Vec<TcpStream> {
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
}

/// No thread of an idle runtime wakes while no task runs and no timer is
/// due: workers, blocking pool and the watchdog all sleep for 2 s.
#[test]
fn an_idle_multi_thread_runtime_is_quiet() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let conns = 1000.min((common::raise_fd_limit().saturating_sub(256) / 2) as usize);
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("quiet-mt")
        .build()
        .unwrap();
    let clients = common::within(120, {
        let h = rt.handle().clone();
        move || h.block_on(idle_connections(conns))
    });
    // Thread names are cut at 15 bytes: "runtime-watchdo(g)".
    let threads = ["quiet-mt", "runtime-watchdo"];
    // Let everything settle into sleep (the watchdog needs two idle samples).
    std::thread::sleep(Duration::from_millis(300));
    let before = context_switches(&threads);
    std::thread::sleep(Duration::from_secs(2));
    let after = context_switches(&threads);
    assert_eq!(
        after - before,
        0,
        "the idle runtime's threads woke {} times",
        after - before
    );
    drop(clients);
}

#[test]
fn an_idle_current_thread_runtime_is_quiet() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let conns = 1000.min((common::raise_fd_limit().saturating_sub(256) / 2) as usize);
    let (ready_tx, ready) = std::sync::mpsc::channel();
    let (stop, stop_rx) = runtime::sync::oneshot::channel::<()>();
    // The driving thread is named so its switches can be counted: it is the
    // runtime's one thread while it is inside `block_on`.
    let driver = std::thread::Builder::new()
        .name("quiet-ct".into())
        .spawn(move || {
            let rt = runtime::Builder::new_current_thread()
                .thread_name("quiet-ct")
                .build()
                .unwrap();
            rt.block_on(async move {
                let clients = idle_connections(conns).await;
                ready_tx.send(()).unwrap();
                let _ = stop_rx.await; // no timer: sleeps in the driver
                drop(clients);
            });
        })
        .unwrap();
    ready.recv_timeout(Duration::from_secs(120)).unwrap();
    let threads = ["quiet-ct", "runtime-watchdo"];
    std::thread::sleep(Duration::from_millis(300));
    let before = context_switches(&threads);
    std::thread::sleep(Duration::from_secs(2));
    let after = context_switches(&threads);
    stop.send(()).unwrap();
    driver.join().unwrap();
    assert_eq!(
        after - before,
        0,
        "the idle runtime's threads woke {} times",
        after - before
    );
}
