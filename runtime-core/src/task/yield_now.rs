use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Lets the other ready tasks run before this one continues: asyncio's
/// `await asyncio.sleep(0)`.
///
/// The task goes to the back of its worker's queue (never into the LIFO slot),
/// so two tasks that each yield in a loop take turns.
///
/// ```
/// # let rt = runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// runtime::task::yield_now().await;
/// # });
/// ```
pub async fn yield_now() {
    YieldNow { yielded: false }.await
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // Waking ourselves while running re-queues us after this poll, behind
        // the tasks already waiting (see `ToIdle::Reschedule`).
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
