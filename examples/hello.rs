//! `#[runtime::main]` with two worker threads: spawn a few tasks, join them,
//! print what they return.
//!
//! ```text
//! cargo run --example hello
//! ```

use std::error::Error;

#[runtime::main(worker_threads = 2)]
async fn main() -> Result<(), Box<dyn Error>> {
    let names = ["ada", "grace", "barbara", "edsger"];
    let handles: Vec<_> = names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            runtime::spawn(async move {
                let worker = std::thread::current()
                    .name()
                    .unwrap_or("unnamed")
                    .to_string();
                (i, format!("hello, {name}"), worker)
            })
        })
        .collect();

    // Join in spawn order; `?` turns a failed task (a panic or a cancel)
    // into main's error.
    for handle in handles {
        let (i, greeting, worker) = handle.await?;
        println!("task {i}: {greeting} (ran on {worker})");
    }

    let total = runtime::spawn(async { (1..=100u32).sum::<u32>() }).await?;
    println!("sum of 1..=100 computed in a task: {total}");
    Ok(())
}
