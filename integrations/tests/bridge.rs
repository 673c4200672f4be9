//! The tokio bridge (`Builder::tokio_bridge`, `#[runtime::test(tokio_bridge)]`):
//! crates wired to tokio's runtime — reqwest, sqlx's pool, tonic's
//! `Channel` — work unchanged on runtime's workers.

use runtime::hyper::serve;
use runtime::net::TcpListener;
use runtime_integrations::hello::greeter_client::GreeterClient;
use runtime_integrations::hello::greeter_server::{Greeter, GreeterServer};
use runtime_integrations::hello::{HelloReply, HelloRequest};
use std::future::IntoFuture;
use std::net::SocketAddr;

fn on_a_runtime_worker() -> bool {
    std::thread::current()
        .name()
        .is_some_and(|n| n.starts_with("runtime-worker"))
}

async fn hello_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/", axum::routing::get(|| async { "Hello, World!" }))
        .route(
            "/json",
            axum::routing::get(|| async { axum::Json(serde_json::json!({ "answer": 42 })) }),
        );
    runtime::spawn(serve(listener, app).into_future());
    addr
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2, tokio_bridge)]
async fn reqwest_works_unchanged_and_is_polled_on_our_workers() {
    let addr = hello_server().await;
    let client = reqwest::Client::new();
    let fetches = (0..20).map(|_| {
        let (client, url) = (client.clone(), format!("http://{addr}/"));
        runtime::spawn(async move {
            assert!(on_a_runtime_worker());
            let text = client.get(url).send().await?.text().await?;
            // Still on one of our workers after reqwest's I/O.
            assert!(on_a_runtime_worker());
            Ok::<_, reqwest::Error>(text)
        })
    });
    for fetch in runtime::task::try_gather(fetches).await.unwrap() {
        assert_eq!(fetch.unwrap(), "Hello, World!");
    }
    let json: serde_json::Value = client
        .get(format!("http://{addr}/json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["answer"], 42);
}

#[runtime::test(tokio_bridge)]
async fn reqwest_on_the_current_thread_flavor() {
    let addr = hello_server().await;
    let text = reqwest::get(format!("http://{addr}/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text, "Hello, World!");
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2, tokio_bridge)]
async fn sqlx_sqlite_pool_of_four() {
    use sqlx::sqlite::SqlitePoolOptions;
    // One in-memory database shared by the pool's connections.
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect("sqlite:file:bridge_test?mode=memory&cache=shared")
        .await
        .unwrap();
    sqlx::query("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    let inserts = (0..40).map(|i| {
        let pool = pool.clone();
        runtime::spawn(async move {
            assert!(on_a_runtime_worker());
            sqlx::query("INSERT INTO notes (id, body) VALUES (?, ?)")
                .bind(i)
                .bind(format!("note {i}"))
                .execute(&pool)
                .await
                .map(|r| r.rows_affected())
        })
    });
    for inserted in runtime::task::try_gather(inserts).await.unwrap() {
        assert_eq!(inserted.unwrap(), 1);
    }
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notes")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 40);
    assert!(pool.size() <= 4, "{} connections", pool.size());
    pool.close().await;
}

struct MyGreeter;

#[tonic::async_trait]
impl Greeter for MyGreeter {
    async fn say_hello(
        &self,
        request: tonic::Request<HelloRequest>,
    ) -> Result<tonic::Response<HelloReply>, tonic::Status> {
        Ok(tonic::Response::new(HelloReply {
            message: format!("Hello {}!", request.into_inner().name),
        }))
    }

    type SayHelloStreamStream =
        futures::stream::Iter<std::vec::IntoIter<Result<HelloReply, tonic::Status>>>;

    async fn say_hello_stream(
        &self,
        _request: tonic::Request<HelloRequest>,
    ) -> Result<tonic::Response<Self::SayHelloStreamStream>, tonic::Status> {
        Err(tonic::Status::unimplemented("not in this test"))
    }
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2, tokio_bridge)]
async fn tonic_channel_through_the_bridge() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    runtime::spawn(serve(listener, GreeterServer::new(MyGreeter)).into_future());
    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = GreeterClient::new(channel);
    for i in 0..5 {
        let reply = client
            .say_hello(HelloRequest {
                name: format!("channel {i}"),
            })
            .await
            .unwrap();
        assert_eq!(reply.into_inner().message, format!("Hello channel {i}!"));
    }
}

fn in_tokio_context() -> bool {
    tokio::runtime::Handle::try_current().is_ok()
}

#[test]
fn the_bridge_is_entered_on_every_runtime_thread() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .tokio_bridge_threads(2)
        .build()
        .unwrap();
    assert!(!in_tokio_context(), "outside the runtime");
    rt.block_on(async {
        assert!(in_tokio_context(), "in block_on");
        let on_worker = runtime::spawn(async { in_tokio_context() }).await.unwrap();
        assert!(on_worker, "on a worker");
        let blocking = runtime::spawn_blocking(in_tokio_context).await.unwrap();
        assert!(blocking, "on a blocking-pool thread");
        let in_place = runtime::spawn(async {
            runtime::task::block_in_place(in_tokio_context);
            // The worker that took over this one's queue too.
            runtime::spawn(async { in_tokio_context() }).await.unwrap()
        })
        .await
        .unwrap();
        assert!(in_place, "after block_in_place");
        // What a bridged crate `tokio::spawn`s runs on the bridge's threads.
        let bridge_thread =
            tokio::spawn(async { std::thread::current().name().map(str::to_owned) })
                .await
                .unwrap();
        assert!(
            bridge_thread
                .as_deref()
                .unwrap_or("")
                .starts_with("tokio-bridge-"),
            "{bridge_thread:?}"
        );
    });
    {
        let _enter = rt.handle().enter();
        assert!(in_tokio_context(), "under Handle::enter");
    }
    assert!(!in_tokio_context(), "after Handle::enter's guard dropped");
}

#[test]
fn without_the_bridge_no_tokio_context() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    rt.block_on(async {
        assert!(!in_tokio_context());
        assert!(!runtime::spawn(async { in_tokio_context() }).await.unwrap());
    });
}

#[test]
fn zero_bridge_threads_is_an_error() {
    let err = runtime::Builder::new_multi_thread()
        .tokio_bridge_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("tokio_bridge_threads(0)"), "{err}");
}

/// `axum::serve` itself (tokio's listener, `tokio::spawn` per connection)
/// works through the bridge; its connection tasks run on the bridge's
/// threads, which is why `runtime::hyper::serve` is the better choice.
#[runtime::test(flavor = "multi_thread", worker_threads = 2, tokio_bridge)]
async fn axum_serve_itself_works_through_the_bridge() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(|| async { std::thread::current().name().unwrap_or("").to_owned() }),
    );
    runtime::spawn(std::future::IntoFuture::into_future(axum::serve(
        listener, app,
    )));
    let served_on = reqwest::get(format!("http://{addr}/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(served_on.starts_with("tokio-bridge-"), "{served_on}");
}
