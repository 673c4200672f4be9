// `#[runtime::test]` defaults to current_thread, which has no workers.
#[runtime::test(worker_threads = 2)]
async fn two_workers() {}

fn main() {}
