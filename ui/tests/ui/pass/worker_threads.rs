// `worker_threads = N` with an explicit multi-thread flavor (the default
// flavor of `main` is covered by default_main.rs and result_main.rs).
#[runtime::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let main_thread = std::thread::current().id();
    let task_thread = runtime::spawn(async { std::thread::current().id() })
        .await
        .unwrap();
    // The body runs on the calling thread; spawned tasks run on the workers.
    assert_ne!(task_thread, main_thread);
}
