//! An axum app on runtime's own workers: JSON, path parameters, shared
//! state, a timeout on runtime's clock, graceful shutdown on Ctrl-C.
//!
//! ```text
//! cargo run -p runtime-integrations --features ecosystem --example axum_server
//! curl -d '{"id":1,"name":"Ada"}' -H 'content-type: application/json' 127.0.0.1:3000/users
//! curl 127.0.0.1:3000/users/1
//! ```
//!
//! With `--self-test` (as CI runs it) it serves on a free port instead,
//! calls itself with runtime's built-in hyper client, prints what it got
//! and stops.

use axum::error_handling::HandleErrorLayer;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use runtime::net::TcpListener;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::{BoxError, ServiceBuilder};

#[derive(Clone, Serialize, Deserialize)]
struct User {
    id: u32,
    name: String,
}

type Users = Arc<Mutex<HashMap<u32, User>>>;

async fn create_user(State(users): State<Users>, Json(user): Json<User>) -> StatusCode {
    users.lock().unwrap().insert(user.id, user);
    StatusCode::CREATED
}

async fn get_user(
    State(users): State<Users>,
    Path(id): Path<u32>,
) -> Result<Json<User>, StatusCode> {
    let user = users.lock().unwrap().get(&id).cloned();
    user.map(Json).ok_or(StatusCode::NOT_FOUND)
}

/// tower's `Elapsed`, as axum's examples check it: the timeout layer is
/// runtime's, the error type tower's.
async fn timed_out(err: BoxError) -> StatusCode {
    if err.is::<tower::timeout::error::Elapsed>() {
        StatusCode::REQUEST_TIMEOUT
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "Hello, World!" }))
        .route("/users", post(create_user))
        .route("/users/{id}", get(get_user))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(timed_out))
                .layer(runtime::tower::TimeoutLayer::new(Duration::from_secs(10))),
        )
        .with_state(Users::default())
}

#[runtime::main]
async fn main() -> Result<(), BoxError> {
    if std::env::args().nth(1).as_deref() == Some("--self-test") {
        return self_test().await;
    }
    let listener = TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on http://{}", listener.local_addr()?);
    runtime::hyper::serve(listener, app())
        .with_graceful_shutdown(async {
            runtime::signal::ctrl_c().await.ok();
        })
        .await?;
    Ok(())
}

/// Serves on a free port until the calls below are done.
async fn self_test() -> Result<(), BoxError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = runtime::sync::oneshot::channel::<()>();
    let server = runtime::spawn(std::future::IntoFuture::into_future(
        runtime::hyper::serve(listener, app()).with_graceful_shutdown(async {
            stopped.await.ok();
        }),
    ));
    call(addr).await?;
    stop.send(()).ok();
    server.await??;
    Ok(())
}

/// Calls the app the way the `curl` lines above do.
async fn call(addr: std::net::SocketAddr) -> Result<(), BoxError> {
    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;
    use runtime::hyper::{Connector, Executor, Timer};
    let client = hyper_util::client::legacy::Client::builder(Executor::new())
        .timer(Timer::new())
        .build::<_, Full<Bytes>>(Connector::new());
    let create = http::Request::post(format!("http://{addr}/users"))
        .header("content-type", "application/json")
        .body(Full::from(r#"{"id":1,"name":"Ada"}"#))?;
    let created = client.request(create).await?.status();
    let res = client
        .get(format!("http://{addr}/users/1").parse()?)
        .await?;
    let body = res.into_body().collect().await?.to_bytes();
    println!(
        "POST /users: {created}; GET /users/1: {}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(created, StatusCode::CREATED);
    assert_eq!(body, r#"{"id":1,"name":"Ada"}"#);
    Ok(())
}
