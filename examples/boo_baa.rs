//! asyncio's classic `run_forever` program: two tasks printing forever,
//! until Ctrl-C.
//!
//! ```text
//! cargo run --example boo_baa      # then press Ctrl-C
//! ```
//!
//! The Python it mirrors:
//!
//! ```python
//! async def say_boo():
//!     i = 0
//!     while True:
//!         print('...boo {0}'.format(i))
//!         i += 1
//!         await asyncio.sleep(1)
//!
//! async def say_baa(): ...  # the same, with "baa"
//!
//! loop = asyncio.get_event_loop()
//! asyncio.ensure_future(say_boo())
//! asyncio.ensure_future(say_baa())
//! try:
//!     loop.run_forever()
//! except KeyboardInterrupt:
//!     print('stopped by Ctrl-C')
//! ```

use runtime::{task, RunForever, Runtime};
use std::time::Duration;

async fn say(what: &'static str) {
    let mut i = 0;
    loop {
        println!("...{what} {i}");
        i += 1;
        runtime::time::sleep(Duration::from_secs(1)).await;
    }
}

fn main() -> std::io::Result<()> {
    let rt = Runtime::new()?;
    task::Builder::new()
        .name("say_boo")
        .spawn_on(say("boo"), rt.handle());
    task::Builder::new()
        .name("say_baa")
        .spawn_on(say("baa"), rt.handle());

    match rt.run_forever() {
        RunForever::CtrlC => println!("\nstopped by Ctrl-C"),
        RunForever::Stopped => println!("stopped"),
    }
    // Dropping the runtime cancels the two tasks, still sleeping.
    drop(rt);
    println!("tasks cancelled, bye");
    Ok(())
}
