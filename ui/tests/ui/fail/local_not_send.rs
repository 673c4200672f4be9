// A `LocalSet` and the handle of a local task with a `!Send` output stay on
// their thread: moving either to another thread does not compile.
use runtime::task::{self, LocalSet};
use std::rc::Rc;

#[runtime::main(flavor = "current_thread")]
async fn main() {
    let handle = task::spawn_local(async { Rc::new(1) });
    std::thread::spawn(move || drop(handle));

    let local = LocalSet::new();
    std::thread::spawn(move || drop(local));
}
