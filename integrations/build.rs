//! Generates the gRPC code of the `Greeter` service (`lib.rs`, `hello`)
//! with tonic-build's manual builder: the service described in Rust, the
//! messages written by hand with prost's derive, so no `protoc` is needed.
//! Without the `ecosystem` feature there is nothing to generate.

fn main() {
    #[cfg(feature = "ecosystem")]
    {
        use tonic_build::manual::{Builder, Method, Service};
        let method = |name: &str, route: &str| {
            Method::builder()
                .name(name)
                .route_name(route)
                .input_type("super::HelloRequest")
                .output_type("super::HelloReply")
                .codec_path("tonic_prost::ProstCodec")
        };
        let greeter = Service::builder()
            .name("Greeter")
            .package("helloworld")
            .method(method("say_hello", "SayHello").build())
            .method(
                method("say_hello_stream", "SayHelloStream")
                    .server_streaming()
                    .build(),
            )
            .build();
        Builder::new().compile(&[greeter]);
    }
}
