// `runtime` is built here without its `tokio-bridge` feature.
#[runtime::main(tokio_bridge)]
async fn main() {}
