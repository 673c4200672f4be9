//! I/O on the runtime: sockets on its own reactor, files on its blocking
//! pool, child processes with their pipes.

use crate::{bounded, section};
use runtime::io::{self, AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream, UdpSocket};
use runtime::process::Command;
use runtime::task::TaskGroup;
use runtime::{fs, Runtime};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Each part of these sections gives up after this long (a busy machine
/// gets a line saying so, not a hang).
const LIMIT: Duration = Duration::from_secs(20);

fn mb_per_s(bytes: u64, took: Duration) -> f64 {
    bytes as f64 / took.as_secs_f64() / 1e6
}

/// TCP round trips and bulk transfer, UDP ping-pong, all on loopback.
pub(crate) fn networking() {
    section(
        "a TCP echo server and its clients, on the runtime's own reactor",
        "`asyncio.start_server(echo, '127.0.0.1', 0)` and `asyncio.open_connection`",
    );
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        bounded(LIMIT, tcp_round_trips()).await;
        bounded(LIMIT, tcp_one_way()).await;
        println!();
        section(
            "UDP ping-pong",
            "`loop.create_datagram_endpoint(...)`, `transport.sendto` and `datagram_received`",
        );
        bounded(LIMIT, udp_ping_pong()).await;
        println!();
    });
}

/// An echo server, and clients that each wait for every echo.
async fn tcp_round_trips() -> std::io::Result<()> {
    const CLIENTS: usize = 8;
    const ROUNDS: usize = 2_000;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    // The accept loop ends with this section: dropping the handle aborts it.
    let _server = runtime::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let _ = socket.set_nodelay(true);
            runtime::spawn(async move {
                let mut buf = [0; 4096];
                // Until the client closes (0) or an error.
                while let Ok(n @ 1..) = socket.read(&mut buf).await {
                    if socket.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    })
    .abort_on_drop();

    let start = Instant::now();
    let mut clients = TaskGroup::new();
    for c in 0..CLIENTS {
        clients.spawn(async move {
            let mut stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let msg = [c as u8; 64];
            let mut echo = [0; 64];
            for _ in 0..ROUNDS {
                stream.write_all(&msg).await?;
                stream.read_exact(&mut echo).await?;
                if echo != msg {
                    return Err(std::io::Error::other("the echo differs from the message"));
                }
            }
            Ok(())
        });
    }
    clients.try_join().await?;
    let took = start.elapsed();
    let total = CLIENTS * ROUNDS;
    println!(
        "   {CLIENTS} clients × {ROUNDS} round trips of 64 bytes, each waiting for its echo: \
         {total} in {took:.0?}"
    );
    println!(
        "   = {:.0} round trips/s; {:.1} µs per round trip as one client sees it",
        total as f64 / took.as_secs_f64(),
        took.as_secs_f64() * 1e6 / ROUNDS as f64
    );
    Ok(())
}

/// 16 MiB from a client to a server that counts it.
async fn tcp_one_way() -> std::io::Result<()> {
    const TOTAL: usize = 16 << 20;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let counter = runtime::spawn(async move {
        let (mut socket, _) = listener.accept().await?;
        io::copy(&mut socket, &mut io::sink()).await
    })
    .abort_on_drop();
    let start = Instant::now();
    let mut stream = TcpStream::connect(addr).await?;
    let chunk = vec![7; 64 << 10];
    for _ in 0..TOTAL / chunk.len() {
        stream.write_all(&chunk).await?;
    }
    stream.shutdown().await?;
    let received = counter.await??;
    let took = start.elapsed();
    println!(
        "   16 MiB one way, 64 KiB writes: the server read {received} bytes by EOF in {took:.1?} \
         = {:.0} MB/s",
        mb_per_s(received, took)
    );
    Ok(())
}

/// One datagram out, one back, a thousand times.
async fn udp_ping_pong() -> std::io::Result<()> {
    const PINGS: u32 = 1_000;
    let (ping, pong) = (
        UdpSocket::bind("127.0.0.1:0").await?,
        UdpSocket::bind("127.0.0.1:0").await?,
    );
    ping.connect(pong.local_addr()?).await?;
    pong.connect(ping.local_addr()?).await?;
    let echo = runtime::spawn(async move {
        let mut buf = [0; 64];
        for _ in 0..PINGS {
            let n = pong.recv(&mut buf).await?;
            pong.send(&buf[..n]).await?;
        }
        Ok::<_, std::io::Error>(())
    })
    .abort_on_drop();
    let start = Instant::now();
    let mut buf = [0; 64];
    for i in 0..PINGS {
        ping.send(&i.to_le_bytes()).await?;
        let n = ping.recv(&mut buf).await?;
        if buf[..n] != i.to_le_bytes() {
            return Err(std::io::Error::other("the pong differs from the ping"));
        }
    }
    let took = start.elapsed();
    echo.await??;
    println!(
        "   {PINGS} datagrams there and back between two sockets in {took:.1?} = {:.1} µs per \
         round trip",
        took.as_secs_f64() * 1e6 / PINGS as f64
    );
    Ok(())
}

/// Write a file, read it back, in a temporary directory removed afterwards.
pub(crate) fn files() {
    section(
        "write and read back a file",
        "`await asyncio.to_thread(path.write_bytes, data)`, or aiofiles",
    );
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("runtime-tour-{}-{nanos}", std::process::id()));
    let rt = Runtime::new().unwrap();
    rt.block_on(bounded(LIMIT, async {
        const TOTAL: usize = 8 << 20;
        fs::create_dir_all(&dir).await?;
        let path = dir.join("data");
        let data: Vec<u8> = (0..TOTAL).map(|i| (i % 251) as u8).collect();

        let start = Instant::now();
        fs::write(&path, &data).await?;
        let wrote = start.elapsed();
        let start = Instant::now();
        let back = fs::read(&path).await?;
        let read = start.elapsed();
        if back != data {
            return Err(std::io::Error::other("the file read back differs"));
        }
        let start = Instant::now();
        let mut file = fs::File::create(dir.join("streamed")).await?;
        for piece in data.chunks(256 << 10) {
            file.write_all(piece).await?;
        }
        file.flush().await?;
        let streamed = start.elapsed();

        let mb = |took| mb_per_s(TOTAL as u64, took);
        println!(
            "   8 MiB: fs::write {wrote:>7.1?} = {:>5.0} MB/s, fs::read {read:>7.1?} = {:>5.0} MB/s \
             (the same bytes came back)",
            mb(wrote),
            mb(read)
        );
        println!(
            "   File::create + write_all of 256 KiB pieces + flush: {streamed:.1?} = {:.0} MB/s \
             (each call runs std::fs on the blocking pool; these are page-cache speeds)",
            mb(streamed)
        );
        Ok(())
    }));
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => println!("   the temporary directory {} is removed\n", dir.display()),
        Err(e) => println!("   could not remove {}: {e}\n", dir.display()),
    }
}

/// 8 MiB through `cat`, and a program that does not exist.
pub(crate) fn child_processes() {
    section(
        "pipe data through a child process",
        "`asyncio.create_subprocess_exec('cat', stdin=PIPE, stdout=PIPE)`",
    );
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        bounded(LIMIT, through_cat()).await;
        match Command::new("does-not-exist").spawn() {
            Ok(_) => println!("   a program named does-not-exist started: surprising"),
            Err(e) => println!(
                "   a program that does not exist: spawn() = Err({:?}: \"{e}\")",
                e.kind()
            ),
        }
    });
    println!();
}

async fn through_cat() -> std::io::Result<()> {
    const TOTAL: usize = 8 << 20;
    let mut cat = Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let (mut stdin, mut stdout) = (
        cat.stdin.take().expect("piped"),
        cat.stdout.take().expect("piped"),
    );
    let start = Instant::now();
    let writer = runtime::spawn(async move {
        let chunk = vec![b'x'; 64 << 10];
        for _ in 0..TOTAL / chunk.len() {
            stdin.write_all(&chunk).await?;
        }
        Ok::<_, std::io::Error>(()) // `stdin` dropped: cat reads EOF and exits
    })
    .abort_on_drop();
    let came_back = io::copy(&mut stdout, &mut io::sink()).await?;
    writer.await??;
    let status = cat.wait().await?;
    let took = start.elapsed();
    println!(
        "   one task writes 8 MiB to cat's stdin while this one reads its stdout: {came_back} bytes \
         came back in {took:.1?} = {:.0} MB/s; cat: {status}",
        mb_per_s(came_back, took)
    );
    Ok(())
}
