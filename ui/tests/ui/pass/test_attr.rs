// `#[runtime::test]` beside `#[should_panic]` and `#[ignore]`, with every
// argument it shares with `main`. (A trybuild case is a binary, so this checks
// the expansion compiles; tests/macros.rs runs such tests for real.)
#[runtime::test]
async fn default_flavor() {
    runtime::spawn(async {}).await.unwrap();
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread() -> Result<(), Box<dyn std::error::Error>> {
    runtime::spawn(async {}).await?;
    Ok(())
}

#[runtime::test(crate = "runtime")]
#[should_panic(expected = "boom")]
#[ignore]
async fn panics() {
    panic!("boom");
}

fn main() {}
