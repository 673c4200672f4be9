//! tonic's "hello world" on runtime's workers: the generated `Greeter`
//! server served by `runtime::hyper::serve` (HTTP/2), called with the
//! generated client over runtime's built-in hyper client. No tokio
//! runtime, no bridge.
//!
//! The service's code comes from `build.rs` (tonic-build's manual builder)
//! and the messages from `lib.rs` (prost's derive): see `hello` there.
//!
//! ```text
//! cargo run -p runtime-integrations --features ecosystem --example tonic_hello
//! ```

use runtime::hyper::{Connector, Executor, Timer};
use runtime::net::TcpListener;
use runtime_integrations::hello::greeter_client::GreeterClient;
use runtime_integrations::hello::greeter_server::{Greeter, GreeterServer};
use runtime_integrations::hello::{HelloReply, HelloRequest};
use std::pin::Pin;
use tonic::{Request, Response, Status};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct MyGreeter;

#[tonic::async_trait]
impl Greeter for MyGreeter {
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let name = request.into_inner().name;
        Ok(Response::new(HelloReply {
            message: format!("Hello {name}!"),
        }))
    }

    type SayHelloStreamStream =
        Pin<Box<dyn futures::Stream<Item = Result<HelloReply, Status>> + Send + 'static>>;

    async fn say_hello_stream(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<Self::SayHelloStreamStream>, Status> {
        let name = request.into_inner().name;
        let replies = (1..=3).map(move |i| {
            Ok(HelloReply {
                message: format!("Hello {name}, #{i}"),
            })
        });
        Ok(Response::new(Box::pin(futures::stream::iter(replies))))
    }
}

#[runtime::main]
async fn main() -> Result<(), BoxError> {
    // The server: any tower service, tonic's generated ones included.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = runtime::sync::oneshot::channel::<()>();
    let server = runtime::spawn(std::future::IntoFuture::into_future(
        runtime::hyper::serve(listener, GreeterServer::new(MyGreeter)).with_graceful_shutdown(
            async {
                stopped.await.ok();
            },
        ),
    ));

    // The client: hyper-util's pooled client, HTTP/2 only, on runtime's
    // executor, timer and connector; `with_origin` gives the generated
    // client the scheme and authority a tonic `Channel` would.
    let http2 = hyper_util::client::legacy::Client::builder(Executor::new())
        .timer(Timer::new())
        .http2_only(true)
        .build::<_, tonic::body::Body>(Connector::new());
    let mut client = GreeterClient::with_origin(http2, format!("http://{addr}").parse()?);

    let reply = client
        .say_hello(HelloRequest {
            name: "Tonic".into(),
        })
        .await?;
    println!("{}", reply.into_inner().message);
    let mut stream = client
        .say_hello_stream(HelloRequest {
            name: "stream".into(),
        })
        .await?
        .into_inner();
    while let Some(reply) = stream.message().await? {
        println!("{}", reply.message);
    }

    drop(client);
    stop.send(()).ok();
    server.await??;
    Ok(())
}
