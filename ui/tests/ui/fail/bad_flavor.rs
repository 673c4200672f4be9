#[runtime::main(flavor = "multi")]
async fn main() {}
