//! hyper 1.x on this runtime (feature `hyper`): everything hyper asks of a
//! runtime, and a server for tower services.
//!
//! hyper itself is runtime-independent: it takes an executor, a timer and
//! io types. This module gives it this runtime's:
//!
//! * [`Executor`]: hyper's background futures (HTTP/2 streams, client
//!   connections) as named tasks on the workers;
//! * [`Timer`]: hyper's timeouts on the runtime's clock (paused time
//!   included);
//! * hyper's own io traits ([`rt::Read`](::hyper::rt::Read),
//!   [`rt::Write`](::hyper::rt::Write)) implemented directly on
//!   [`net::TcpStream`](crate::net::TcpStream) and
//!   [`net::UnixStream`](crate::net::UnixStream) (no `TokioIo` wrapper),
//!   and hyper-util's client `Connection` on both;
//! * [`Connector`]: TCP connections for hyper-util's pooled client;
//! * [`serve`]: an axum `Router`, a tonic server or any tower service, over
//!   HTTP/1 and HTTP/2, every connection a task on the workers, with
//!   [graceful shutdown](Serve::with_graceful_shutdown).
//!
//! None of it starts or needs tokio's runtime. A pooled HTTP client:
//!
//! ```no_run
//! use runtime::hyper::{Connector, Executor, Timer};
//! use hyper_util::client::legacy::Client;
//!
//! # async fn f() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let client = Client::builder(Executor::new())
//!     .timer(Timer::new())
//!     .build::<_, String>(Connector::new());
//! let res = client.get("http://127.0.0.1:3000/".parse()?).await?;
//! println!("{}", res.status());
//! # Ok(())
//! # }
//! ```
//!
//! A server (with axum: `serve(listener, router)`, the same call):
//!
//! ```no_run
//! use runtime::net::TcpListener;
//! # #[derive(Clone)]
//! # struct Hello;
//! # impl tower_service::Service<http::Request<hyper::body::Incoming>> for Hello {
//! #     type Response = http::Response<String>;
//! #     type Error = std::convert::Infallible;
//! #     type Future = std::future::Ready<Result<Self::Response, Self::Error>>;
//! #     fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
//! #         std::task::Poll::Ready(Ok(()))
//! #     }
//! #     fn call(&mut self, _: http::Request<hyper::body::Incoming>) -> Self::Future {
//! #         std::future::ready(Ok(http::Response::new("Hello, World!".into())))
//! #     }
//! # }
//!
//! #[runtime::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = TcpListener::bind("127.0.0.1:3000").await?;
//!     runtime::hyper::serve(listener, Hello)
//!         .with_graceful_shutdown(async { runtime::signal::ctrl_c().await.ok(); })
//!         .await
//! }
//! ```
//!
//! `axum::serve` itself is not supported: it spawns its connections with
//! `tokio::spawn`, and its `Listener` trait is behind axum's `tokio`
//! feature, which compiles tokio's runtime. [`serve`] takes its place (same
//! arguments, same graceful shutdown), and its [`Listener`] trait is the
//! same idea.

mod connect;
mod exec;
mod io;
mod serve;

pub use connect::{Connecting, Connector};
pub use exec::{Executor, Timer};
pub use io::HttpInfo;
pub use serve::{serve, Listener, Serve, ServeFuture, WithGracefulShutdown};
