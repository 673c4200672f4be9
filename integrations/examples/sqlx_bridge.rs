//! sqlx's pool (SQLite in memory) and reqwest, two crates wired to tokio's
//! runtime, unchanged on runtime's workers through the tokio bridge.
//!
//! ```text
//! cargo run -p runtime-integrations --features ecosystem --example sqlx_bridge
//! ```
//!
//! `#[runtime::main(tokio_bridge)]` starts one tokio runtime for the
//! process (its reactor, timer and a few threads) and enters its context on
//! every runtime thread: sqlx's and reqwest's futures are polled on
//! runtime's workers; only what they `tokio::spawn` themselves (the pool's
//! maintenance, hyper's connection tasks inside reqwest) runs on the
//! bridge's threads.

use sqlx::sqlite::SqlitePoolOptions;
use sqlx::Row;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[runtime::main(tokio_bridge)]
async fn main() -> Result<(), BoxError> {
    // One in-memory database shared by the pool's four connections.
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect("sqlite:file:notes?mode=memory&cache=shared")
        .await?;
    sqlx::query("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .execute(&pool)
        .await?;

    // 20 inserts at once, each a task on runtime's workers.
    let inserts = (1..=20).map(|i| {
        let pool = pool.clone();
        runtime::spawn(async move {
            sqlx::query("INSERT INTO notes (id, body) VALUES (?, ?)")
                .bind(i)
                .bind(format!("note {i}"))
                .execute(&pool)
                .await
        })
    });
    runtime::task::try_gather(inserts)
        .await?
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;

    let row = sqlx::query("SELECT COUNT(*) AS n, MAX(body) AS last FROM notes")
        .fetch_one(&pool)
        .await?;
    let (n, last): (i64, String) = (row.get("n"), row.get("last"));
    println!("{n} notes (pool of {}), last: {last:?}", pool.size());
    assert_eq!(n, 20);
    pool.close().await;

    // reqwest, through the same bridge, against a server of our own.
    let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "Hello from runtime" }));
    let (stop, stopped) = runtime::sync::oneshot::channel::<()>();
    let server = runtime::spawn(std::future::IntoFuture::into_future(
        runtime::hyper::serve(listener, app).with_graceful_shutdown(async {
            stopped.await.ok();
        }),
    ));
    let text = reqwest::get(format!("http://{addr}/"))
        .await?
        .text()
        .await?;
    println!("reqwest: {text:?}");
    stop.send(()).ok();
    server.await??;
    Ok(())
}
