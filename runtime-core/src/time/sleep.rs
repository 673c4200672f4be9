use super::wheel::Key;
use super::Instant;
use crate::coop;
use crate::scheduler;
use crate::task::waits::{self, WaitOn};
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// Waits until `duration` has elapsed: asyncio's `await asyncio.sleep(d)`.
///
/// Never completes early. `sleep(Duration::ZERO)` completes at its first poll
/// (use [`yield_now`](crate::task::yield_now) to let other tasks run).
///
/// ```
/// use std::time::Duration;
/// let rt = runtime::Runtime::new().unwrap();
/// let start = std::time::Instant::now();
/// rt.block_on(runtime::time::sleep(Duration::from_millis(10)));
/// assert!(start.elapsed() >= Duration::from_millis(10));
/// ```
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    let deadline = Instant::now()
        .checked_add(duration)
        .unwrap_or_else(Instant::far_future);
    Sleep::new(deadline, Location::caller())
}

/// Waits until `deadline`; one that has already passed completes at the
/// first poll.
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(deadline, Location::caller())
}

/// The future of [`sleep`] / [`sleep_until`]. Dropping it cancels the timer
/// and frees its slot in the wheel at once.
pub struct Sleep {
    deadline: Instant,
    state: State,
    /// Where it was made (`sleep`, `timeout`, `interval`...): what a dump
    /// of a task waiting on it shows.
    site: &'static Location<'static>,
}

enum State {
    /// Not yet polled: bound to no runtime.
    Unbound,
    Registered {
        handle: scheduler::Handle,
        key: Key,
    },
    Done,
}

impl Sleep {
    pub(crate) fn new(deadline: Instant, site: &'static Location<'static>) -> Sleep {
        Sleep {
            deadline,
            state: State::Unbound,
            site,
        }
    }

    /// When this sleep completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True once the deadline has passed and the sleep has been polled.
    pub fn is_elapsed(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Re-arms the sleep for a new deadline (cancelling the current timer).
    pub fn reset(&mut self, deadline: Instant) {
        self.cancel();
        self.deadline = deadline;
        self.state = State::Unbound;
    }

    fn cancel(&mut self) {
        if let State::Registered { handle, key } = &self.state {
            handle.time().remove(*key);
        }
        self.state = State::Done;
    }

    /// Files the timer with `handle`'s driver. True if it is already due.
    fn register(&mut self, handle: scheduler::Handle, cx: &Context<'_>) -> bool {
        let (key, unpark) = handle
            .time()
            .insert(self.deadline.into_std(), cx.waker(), self.site);
        handle.unpark_for_timer(unpark);
        match key {
            None => true,
            Some(key) => {
                self.state = State::Registered { handle, key };
                false
            }
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().poll_sleep(cx, true)
    }
}

impl Sleep {
    /// The sleep's poll. `record`: say, when pending, that the task waits
    /// on this timer (`task::waits`); a `Timeout` does not, since its task
    /// waits on the inner future (which recorded what that is).
    pub(crate) fn poll_sleep(&mut self, cx: &mut Context<'_>, record: bool) -> Poll<()> {
        let coop = ready!(coop::poll_proceed(cx));
        let this = self;
        let fired = match &this.state {
            State::Done => true,
            State::Unbound => {
                let handle = super::current_for("a timer (`time::sleep`, `timeout`, `interval`)");
                this.register(handle, cx)
            }
            State::Registered { handle, key } => {
                let time = handle.time();
                if !time.poll(*key, cx.waker()) {
                    false
                } else if time.clock.now() >= this.deadline.into_std() {
                    true
                } else {
                    // The wheel fired the entry, yet the clock says the
                    // deadline is still ahead: never complete early, file
                    // it again.
                    let handle = handle.clone();
                    this.cancel();
                    this.register(handle, cx)
                }
            }
        };
        if fired {
            this.cancel();
            coop.made_progress();
            Poll::Ready(())
        } else {
            if let (true, State::Registered { handle, key }) = (record, &this.state) {
                let tick = handle.time().deadline_tick(this.deadline.into_std());
                waits::record(WaitOn::Sleep { key: *key, tick });
            }
            Poll::Pending
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel();
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("elapsed", &self.is_elapsed())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// The wheel firing an entry before the clock reaches its deadline (the
    /// bug this check guards against) does not complete the `Sleep`: it
    /// files itself again and completes at its real deadline.
    #[test]
    fn a_sleep_whose_entry_fires_early_files_itself_again() {
        let rt = crate::Builder::new_current_thread()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let start = Instant::now();
            let mut s = Box::pin(sleep(Duration::from_secs(10)));
            let waker = futures::task::noop_waker();
            let mut cx = Context::from_waker(&waker);
            assert!(s.as_mut().poll(&mut cx).is_pending());
            let State::Registered { handle, key } = &s.state else {
                panic!("not registered at its first poll")
            };
            handle.time().fire_early(*key);
            assert!(s.as_mut().poll(&mut cx).is_pending(), "completed early");
            assert!(
                matches!(s.state, State::Registered { .. }),
                "not filed again"
            );
            s.await;
            assert_eq!(start.elapsed(), Duration::from_secs(10));
        });
    }
}
