// `max_blocking_threads = N` caps the runtime's blocking pool.
#[runtime::main(worker_threads = 1, max_blocking_threads = 2)]
async fn main() {
    let jobs: Vec<_> = (0..4).map(|i| runtime::spawn_blocking(move || i)).collect();
    let mut sum = 0;
    for j in jobs {
        sum += j.await.unwrap();
    }
    assert_eq!(sum, 6);
    assert!(runtime::Handle::current().metrics().num_blocking_threads() <= 2);
}
