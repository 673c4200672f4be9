// `spawn` runs its future on any worker: a future that holds an `Rc` across
// an `.await` is refused at compile time (`task::spawn_local` takes it).
use std::rc::Rc;

#[runtime::main]
async fn main() {
    runtime::spawn(async {
        let rc = Rc::new(1);
        runtime::task::yield_now().await;
        drop(rc);
    });
}
