// Every mistake is reported in one build, and the body (which uses `.await`)
// causes no error of its own.
#[runtime::main(flavour = "current_thread", worker_threads = two, crate = "")]
async fn main() {
    runtime::task::yield_now().await;
}
