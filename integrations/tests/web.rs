//! The web stack on runtime's own workers (`runtime::hyper`,
//! `runtime::tower`): an axum app served by `runtime::hyper::serve` and
//! called with hyper-util's client on `runtime::hyper::Connector`, over
//! HTTP/1 and HTTP/2; tonic over the same; tower's timeout on the runtime's
//! clock. No tokio runtime is started here (the bridge is in bridge.rs).

use axum::error_handling::HandleErrorLayer;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use runtime::hyper::{serve, Connector, Executor, HttpInfo, Timer};
use runtime::net::{TcpListener, UnixListener, UnixStream};
use runtime::sync::{oneshot, Semaphore};
use runtime_integrations::hello::greeter_client::GreeterClient;
use runtime_integrations::hello::greeter_server::{Greeter, GreeterServer};
use runtime_integrations::hello::{HelloReply, HelloRequest};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::{BoxError, Service, ServiceBuilder, ServiceExt};

type HttpClient = Client<Connector, Full<Bytes>>;

/// The built-in client: hyper-util's pooled client on runtime's executor,
/// timer and connector.
fn client() -> HttpClient {
    Client::builder(Executor::new())
        .timer(Timer::new())
        .pool_timer(Timer::new())
        .build(Connector::new())
}

fn h2_client() -> HttpClient {
    Client::builder(Executor::new())
        .timer(Timer::new())
        .pool_timer(Timer::new())
        .http2_only(true)
        .build(Connector::new())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct User {
    id: u32,
    name: String,
}

#[derive(Clone, Default)]
struct AppState {
    users: Arc<Mutex<HashMap<u32, User>>>,
    hits: Arc<AtomicUsize>,
}

async fn create_user(State(state): State<AppState>, Json(user): Json<User>) -> StatusCode {
    state.hits.fetch_add(1, SeqCst);
    state.users.lock().unwrap().insert(user.id, user);
    StatusCode::CREATED
}

async fn get_user(
    State(state): State<AppState>,
    Path(id): Path<u32>,
) -> Result<Json<User>, StatusCode> {
    state.hits.fetch_add(1, SeqCst);
    let user = state.users.lock().unwrap().get(&id).cloned();
    user.map(Json).ok_or(StatusCode::NOT_FOUND)
}

/// The name of the task serving this request.
async fn whoami() -> String {
    runtime::task::current().name().unwrap_or("").to_string()
}

fn app(state: AppState) -> Router {
    Router::new()
        .route("/hello", get(|| async { "Hello, World!" }))
        .route("/users", axum::routing::post(create_user))
        .route("/users/{id}", get(get_user))
        .route("/whoami", get(whoami))
        .with_state(state)
}

/// A server on a loopback port, with a handle to stop it gracefully.
struct Server {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: runtime::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start<S, B>(service: S) -> Server
    where
        S: tower::Service<http::Request<hyper::body::Incoming>, Response = http::Response<B>>
            + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: hyper::body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = runtime::spawn(
            serve(listener, service)
                .with_graceful_shutdown(async {
                    stopped.await.ok();
                })
                .into_future(),
        );
        Server { addr, stop, task }
    }

    async fn stop(self) {
        self.stop.send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }
}

async fn body_of(res: http::Response<hyper::body::Incoming>) -> Bytes {
    res.into_body().collect().await.unwrap().to_bytes()
}

/// 200 requests, 20 at a time: 100 JSON POSTs, then 100 GETs with a path
/// parameter, every answer checked, the shared state counting them all.
async fn axum_app_answers_200_requests() {
    let state = AppState::default();
    let server = Server::start(app(state.clone())).await;
    let client = client();
    let limit = Arc::new(Semaphore::new(20));
    let post = |id: u32| {
        let (client, limit, addr) = (client.clone(), limit.clone(), server.addr);
        async move {
            let _permit = limit.acquire_owned().await.unwrap();
            let user = User {
                id,
                name: format!("user-{id}"),
            };
            let req = http::Request::post(format!("http://{addr}/users"))
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(serde_json::to_vec(&user).unwrap())))
                .unwrap();
            let res = client.request(req).await.unwrap();
            assert_eq!(res.status(), StatusCode::CREATED);
            // The connector put the connection's addresses on the response.
            assert_eq!(
                res.extensions().get::<HttpInfo>().unwrap().remote_addr(),
                addr
            );
        }
    };
    runtime::task::gather((0..100).map(post)).await;
    let get = |id: u32| {
        let (client, limit, addr) = (client.clone(), limit.clone(), server.addr);
        async move {
            let _permit = limit.acquire_owned().await.unwrap();
            let uri = format!("http://{addr}/users/{id}").parse().unwrap();
            let res = client.get(uri).await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            let user: User = serde_json::from_slice(&body_of(res).await).unwrap();
            assert_eq!(
                user,
                User {
                    id,
                    name: format!("user-{id}")
                }
            );
        }
    };
    runtime::task::gather((0..100).map(get)).await;
    assert_eq!(state.hits.load(SeqCst), 200);
    let missing = client
        .get(
            format!("http://{}/users/1000", server.addr)
                .parse()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    drop(client);
    server.stop().await;
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_app_on_two_workers() {
    axum_app_answers_200_requests().await;
}

#[runtime::test]
async fn axum_app_on_current_thread() {
    axum_app_answers_200_requests().await;
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_with_prior_knowledge_on_the_same_server() {
    let server = Server::start(app(AppState::default())).await;
    let h2 = h2_client();
    let url: http::Uri = format!("http://{}/hello", server.addr).parse().unwrap();
    let answers = runtime::task::gather((0..50).map(|_| {
        let (client, url) = (h2.clone(), url.clone());
        async move {
            let res = client.get(url).await.unwrap();
            assert_eq!(res.version(), http::Version::HTTP_2);
            body_of(res).await
        }
    }))
    .await;
    assert!(answers.iter().all(|b| b == "Hello, World!"));
    // And HTTP/1.1 on the same port.
    let h1 = client();
    let res = h1.get(url).await.unwrap();
    assert_eq!(res.version(), http::Version::HTTP_11);
    drop((h1, h2));
    server.stop().await;
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_connection_is_a_named_task() {
    let server = Server::start(app(AppState::default())).await;
    let client = client();
    let res = client
        .get(format!("http://{}/whoami", server.addr).parse().unwrap())
        .await
        .unwrap();
    let local = res.extensions().get::<HttpInfo>().unwrap().local_addr();
    let name = body_of(res).await;
    // The handler ran inside the connection's task, named after the peer.
    assert_eq!(name, format!("http connection {local:?}"));
    // The dump lists it (the keep-alive connection is still open).
    assert!(runtime::task::all_tasks()
        .iter()
        .any(|t| t.name() == Some(name_str(&name))));
    drop(client);
    server.stop().await;
}

fn name_str(b: &Bytes) -> &str {
    std::str::from_utf8(b).unwrap()
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_on_a_unix_socket_through_hyper_io_traits() {
    let dir = std::env::temp_dir().join(format!("runtime-web-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("server.sock");
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = runtime::spawn(
        serve(listener, app(AppState::default()))
            .with_graceful_shutdown(async {
                stopped.await.ok();
            })
            .into_future(),
    );
    // hyper's own connection API on a UnixStream: no TokioIo anywhere.
    let stream = UnixStream::connect(&path).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(stream).await.unwrap();
    let conn = runtime::spawn(conn);
    for _ in 0..3 {
        let req = http::Request::get("/hello")
            .header("host", "localhost")
            .body(Full::new(Bytes::new()))
            .unwrap();
        send.ready().await.unwrap();
        let res = send.send_request(req).await.unwrap();
        assert_eq!(body_of(res).await, "Hello, World!");
    }
    drop(send);
    conn.await.unwrap().unwrap();
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A handler that spins for 1 ms. 200 requests over 20 connections: on two
/// workers, two handlers run at the same moment (the connection tasks are
/// spread over both workers, not serialised on one thread as behind
/// async-compat's single tokio thread). A busy machine may keep one worker
/// off the CPU for a whole round, so up to 10 rounds are tried.
#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpu_bound_handlers_run_on_both_workers_at_once() {
    #[derive(Clone, Default)]
    struct Spin {
        running: Arc<AtomicUsize>,
        most: Arc<AtomicUsize>,
        threads: Arc<Mutex<HashSet<std::thread::ThreadId>>>,
    }
    async fn spin(State(s): State<Spin>) -> &'static str {
        let now = s.running.fetch_add(1, SeqCst) + 1;
        s.most.fetch_max(now, SeqCst);
        s.threads
            .lock()
            .unwrap()
            .insert(std::thread::current().id());
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(1) {
            std::hint::spin_loop();
        }
        s.running.fetch_sub(1, SeqCst);
        "spun"
    }
    let state = Spin::default();
    let router = Router::new()
        .route("/spin", get(spin))
        .with_state(state.clone());
    let server = Server::start(router).await;
    let client = client();
    let url: http::Uri = format!("http://{}/spin", server.addr).parse().unwrap();
    let limit = Arc::new(Semaphore::new(20));
    for _round in 0..10 {
        runtime::task::gather((0..200).map(|_| {
            let (client, url, limit) = (client.clone(), url.clone(), limit.clone());
            async move {
                let _permit = limit.acquire_owned().await.unwrap();
                assert_eq!(body_of(client.get(url).await.unwrap()).await, "spun");
            }
        }))
        .await;
        if state.most.load(SeqCst) >= 2 {
            break;
        }
    }
    assert!(
        state.most.load(SeqCst) >= 2,
        "two handlers never ran at the same moment in 10 rounds of 200"
    );
    assert_eq!(state.threads.lock().unwrap().len(), 2);
    drop(client);
    server.stop().await;
}

#[derive(Default)]
struct MyGreeter;

#[tonic::async_trait]
impl Greeter for MyGreeter {
    async fn say_hello(
        &self,
        request: tonic::Request<HelloRequest>,
    ) -> Result<tonic::Response<HelloReply>, tonic::Status> {
        let name = request.into_inner().name;
        Ok(tonic::Response::new(HelloReply {
            message: format!("Hello {name}!"),
        }))
    }

    type SayHelloStreamStream = std::pin::Pin<
        Box<dyn futures::Stream<Item = Result<HelloReply, tonic::Status>> + Send + 'static>,
    >;

    async fn say_hello_stream(
        &self,
        request: tonic::Request<HelloRequest>,
    ) -> Result<tonic::Response<Self::SayHelloStreamStream>, tonic::Status> {
        let name = request.into_inner().name;
        let replies = (1..=3).map(move |i| {
            Ok(HelloReply {
                message: format!("Hello {name} #{i}"),
            })
        });
        Ok(tonic::Response::new(Box::pin(futures::stream::iter(
            replies,
        ))))
    }
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn tonic_unary_and_streaming_over_serve_and_the_built_in_client() {
    use futures::StreamExt;
    let server = Server::start(GreeterServer::new(MyGreeter)).await;
    let channel = Client::builder(Executor::new())
        .timer(Timer::new())
        .http2_only(true)
        .build::<_, tonic::body::Body>(Connector::new());
    let origin = format!("http://{}", server.addr).parse().unwrap();
    let mut greeter = GreeterClient::with_origin(channel, origin);
    let reply = greeter
        .say_hello(HelloRequest {
            name: "runtime".into(),
        })
        .await
        .unwrap();
    assert_eq!(reply.into_inner().message, "Hello runtime!");
    let stream = greeter
        .say_hello_stream(HelloRequest { name: "h2".into() })
        .await
        .unwrap()
        .into_inner();
    let replies: Vec<String> = stream.map(|r| r.unwrap().message).collect().await;
    assert_eq!(replies, ["Hello h2 #1", "Hello h2 #2", "Hello h2 #3"]);
    drop(greeter);
    server.stop().await;
}

/// tower's timeout semantics (`Elapsed` in a `BoxError`, as axum's
/// `HandleErrorLayer` checks it) on runtime's paused clock: a handler that
/// would take an hour is cut at 30 s of virtual time, at once.
#[runtime::test(start_paused = true)]
async fn tower_timeout_fires_on_the_runtime_clock() {
    let app = Router::new()
        .route(
            "/slow",
            get(|| async {
                runtime::time::sleep(Duration::from_secs(3600)).await;
                "late"
            }),
        )
        .route("/fast", get(|| async { "fast" }))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(|e: BoxError| async move {
                    if e.is::<tower::timeout::error::Elapsed>() {
                        StatusCode::REQUEST_TIMEOUT
                    } else {
                        StatusCode::INTERNAL_SERVER_ERROR
                    }
                }))
                .layer(runtime::tower::TimeoutLayer::new(Duration::from_secs(30))),
        );
    let start = runtime::time::Instant::now();
    let request = |path: &str| {
        http::Request::get(path)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let res = app.clone().oneshot(request("/slow")).await.unwrap();
    assert_eq!(res.status(), StatusCode::REQUEST_TIMEOUT);
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(30) && waited < Duration::from_secs(31),
        "{waited:?}"
    );
    let res = app.oneshot(request("/fast")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

/// tower's rate limit on runtime's paused clock: 2 requests per second,
/// so the fifth waits for the third window.
#[runtime::test(start_paused = true)]
async fn tower_rate_limit_on_the_runtime_clock() {
    let svc = tower::service_fn(|()| async { Ok::<_, std::convert::Infallible>(()) });
    let mut svc = ServiceBuilder::new()
        .layer(runtime::tower::RateLimitLayer::new(
            2,
            Duration::from_secs(1),
        ))
        .service(svc);
    let start = runtime::time::Instant::now();
    for _ in 0..5 {
        svc.ready().await.unwrap().call(()).await.unwrap();
    }
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
}

/// hyper's header-read timeout runs on `runtime::hyper::Timer`: a client
/// that connects and sends nothing is cut off by the server (a short
/// timeout here, on the real clock, so the test waits at most that long).
#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyper_timer_enforces_the_header_read_timeout() {
    use runtime::io::AsyncReadExt;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = runtime::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        hyper::server::conn::http1::Builder::new()
            .timer(Timer::new())
            .header_read_timeout(Duration::from_millis(200))
            .serve_connection(
                stream,
                hyper::service::service_fn(|_req| async {
                    Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(Bytes::new())))
                }),
            )
            .await
    });
    let mut idle = runtime::net::TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    // The server closes the connection when its timer fires: EOF here.
    idle.read_to_end(&mut buf).await.unwrap();
    let err = server.await.unwrap().unwrap_err();
    assert!(err.is_timeout(), "{err}");
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn connector_errors_are_clear() {
    let client = client();
    let err = client
        .get("https://127.0.0.1:1/".parse().unwrap())
        .await
        .unwrap_err();
    let source = std::error::Error::source(&err).map(|e| e.to_string());
    assert!(
        source
            .as_deref()
            .unwrap_or("")
            .contains("scheme is not http"),
        "{err:?}"
    );
    // Nothing listens on this port (bound, then closed): refused.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = client
        .get(format!("http://127.0.0.1:{port}/").parse().unwrap())
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
}

/// tokio-util's codecs need only tokio's io traits, which runtime's
/// streams implement: they work as is, with no feature.
#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_util_codecs_work_as_is() {
    use futures::{SinkExt, StreamExt};
    use runtime::net::TcpStream;
    use tokio_util::codec::{Framed, LinesCodec};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = runtime::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let mut lines = Framed::new(socket, LinesCodec::new());
        while let Some(line) = lines.next().await {
            lines.send(line.unwrap().to_uppercase()).await.unwrap();
        }
    });
    let mut client = Framed::new(TcpStream::connect(addr).await.unwrap(), LinesCodec::new());
    for word in ["hello", "codec"] {
        client.send(word).await.unwrap();
        assert_eq!(client.next().await.unwrap().unwrap(), word.to_uppercase());
    }
    drop(client);
    server.await.unwrap();
}

/// tokio-tungstenite's WebSocket handshake and frames over runtime's
/// streams, with no feature.
#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_tungstenite_works_as_is() {
    use futures::{SinkExt, StreamExt};
    use runtime::net::TcpStream;
    use tokio_tungstenite::tungstenite::Message;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = runtime::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(socket).await.unwrap();
        while let Some(msg) = ws.next().await {
            let msg = msg.unwrap();
            if msg.is_text() {
                ws.send(msg).await.unwrap();
            }
        }
    });
    let socket = TcpStream::connect(addr).await.unwrap();
    let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/"), socket)
        .await
        .unwrap();
    ws.send(Message::text("ping")).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("ping"));
    ws.close(None).await.unwrap();
    server.await.unwrap();
}
