//! Networking on the runtime's own reactor: TCP, UDP and Unix-domain
//! sockets with tokio's names and signatures (the `runtime` facade's
//! `runtime::net` documents the whole module).
//!
//! Every socket registers once with the I/O driver of the runtime it is
//! made in (or, made outside one with `from_std`, of the runtime it is first
//! used in) and waits for readiness there (`io/`). Streams implement both
//! tokio's and futures-io's `AsyncRead`/`AsyncWrite`.
//!
//! ```
//! use runtime::io::{AsyncReadExt, AsyncWriteExt};
//! use runtime::net::{TcpListener, TcpStream};
//!
//! let rt = runtime::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     runtime::spawn(async move {
//!         let (mut socket, _) = listener.accept().await?;
//!         let (mut rd, mut wr) = socket.split();
//!         runtime::io::copy(&mut rd, &mut wr).await
//!     });
//!     let mut client = TcpStream::connect(addr).await?;
//!     client.write_all(b"echo").await?;
//!     let mut buf = [0; 4];
//!     client.read_exact(&mut buf).await?;
//!     assert_eq!(&buf, b"echo");
//!     Ok::<_, std::io::Error>(())
//! })
//! .unwrap();
//! ```

mod addr;
mod ops;
mod split;
pub mod tcp;
mod udp;
pub mod unix;

pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::{TcpListener, TcpSocket, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixStream};
