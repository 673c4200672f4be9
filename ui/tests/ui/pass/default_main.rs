// `#[runtime::main]` with no arguments: multi-thread runtime, one worker per core.
#[runtime::main]
async fn main() {
    let handles: Vec<_> = (0..4u32)
        .map(|i| runtime::spawn(async move { i * 10 }))
        .collect();
    let mut sum = 0;
    for h in handles {
        sum += h.await.unwrap();
    }
    assert_eq!(sum, 60);
}
