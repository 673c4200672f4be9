// Attributes (outer and inner), doc comments and visibility survive; the
// attribute also works on an `async fn` that is not `main`, which may take
// arguments, and `worker_threads` without an explicit flavor.
#![deny(unused_variables)]

/// Adds on a fresh runtime.
#[runtime::main(worker_threads = 1, crate = "::runtime")]
#[inline(never)]
pub async fn add(a: u64, b: u64) -> u64 {
    #![allow(unused_variables)]
    let unused = 1;
    runtime::spawn(async move { a + b }).await.unwrap()
}

fn main() {
    assert_eq!(add(2, 3), 5);
}
