//! [`BlockingPool`]: the public face of the pool. The protocol is in [`crate::shared`].

use std::fmt;
use std::time::{Duration, Instant};

use crate::loom::{lock, Arc};
use crate::oneshot;
use crate::shared::Shared;
use crate::{BlockingHandle, Builder, Id, QueueFull};

/// A pool of OS threads for blocking and CPU-heavy work, whose jobs complete
/// as futures any executor can await.
///
/// Threads start on demand, up to [`max_threads`](Builder::max_threads), and
/// each exits after [`keep_alive`](Builder::keep_alive) idle. A job goes to an
/// idle thread if there is one, else to a new thread if below the cap, else
/// waits in a FIFO queue. Its result, or its panic, comes back through the
/// [`BlockingHandle`].
///
/// Cloning is cheap (one `Arc`); all clones are the same pool. Dropping the
/// last clone shuts the pool down *without waiting*: queued jobs are
/// cancelled, running jobs finish on their threads, then the threads exit.
/// Use [`shutdown_timeout`](Self::shutdown_timeout) to wait.
///
/// ```
/// use runtime::blocking::BlockingPool;
///
/// let pool = BlockingPool::new(4);
/// let handles: Vec<_> = (0..8u64).map(|i| pool.spawn(move || i * i)).collect();
/// // Any executor can await the handles; here, a runtime's `block_on`.
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// let squares: Vec<u64> = rt.block_on(async {
///     let mut out = Vec::new();
///     for h in handles {
///         out.push(h.await.unwrap());
///     }
///     out
/// });
/// assert_eq!(squares, [0, 1, 4, 9, 16, 25, 36, 49]);
/// ```
#[derive(Clone)]
pub struct BlockingPool {
    handle: Arc<PoolRef>,
}

/// The users' reference to the pool; pool threads hold `Shared` directly, so
/// that dropping the last `BlockingPool` can shut them down.
struct PoolRef {
    shared: Arc<Shared>,
}

impl Drop for PoolRef {
    fn drop(&mut self) {
        self.shared.begin_shutdown();
    }
}

impl BlockingPool {
    /// A pool of at most `max_threads` threads, other settings default (see
    /// [`Builder`]).
    ///
    /// # Panics
    /// If `max_threads` is 0: pass at least 1.
    pub fn new(max_threads: usize) -> BlockingPool {
        assert!(
            max_threads > 0,
            "BlockingPool::new(0): a pool needs at least 1 thread; pass max_threads >= 1"
        );
        Builder::new()
            .max_threads(max_threads)
            .build()
            .expect("the default BlockingPool settings are valid")
    }

    /// A [`Builder`] with the default settings.
    pub fn builder() -> Builder {
        Builder::new()
    }

    pub(crate) fn from_shared(shared: Arc<Shared>) -> BlockingPool {
        BlockingPool {
            handle: Arc::new(PoolRef { shared }),
        }
    }

    fn shared(&self) -> &Arc<Shared> {
        &self.handle.shared
    }

    /// Runs `f` on a pool thread; the handle resolves to its result.
    ///
    /// Does not wait for the job (at most it starts a thread) and never
    /// panics. The handle resolves to a cancellation
    /// (and `f` is dropped unrun) if the pool is shut down, if the queue is at
    /// its [`queue_limit`](Builder::queue_limit) (use
    /// [`try_spawn`](Self::try_spawn) to get `f` back instead), or if no
    /// thread can be started and the pool has none.
    pub fn spawn<F, R>(&self, f: F) -> BlockingHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        match Shared::submit(self.shared(), f, self.shared().config.queue_limit) {
            Ok(handle) => handle,
            Err(full) => {
                let limit = full.limit();
                drop(full.into_inner());
                let (tx, rx) = oneshot::channel(Id::next());
                tx.cancel(&format!(
                    "the blocking pool's queue is full (queue_limit = {limit})"
                ));
                BlockingHandle::new(rx)
            }
        }
    }

    /// Like [`spawn`](Self::spawn), but if the queue is at its
    /// [`queue_limit`](Builder::queue_limit), returns [`QueueFull`] holding
    /// `f`: nothing was queued, nothing ran, and
    /// [`QueueFull::into_inner`] gives the closure back. Without a queue limit
    /// it always succeeds. After shutdown it returns a handle that resolves to
    /// a cancellation, like `spawn`.
    pub fn try_spawn<F, R>(&self, f: F) -> Result<BlockingHandle<R>, QueueFull<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        Shared::submit(self.shared(), f, self.shared().config.queue_limit)
    }

    /// Shuts the pool down and waits up to `d` for its threads to exit.
    ///
    /// The pool stops taking jobs (later spawns resolve to a cancellation),
    /// cancels the jobs still queued (their handles resolve to an error with
    /// [`is_cancelled()`](crate::JoinError::is_cancelled)), lets running jobs
    /// finish, and returns `true` if every thread exited within `d`, `false`
    /// if some job was still running (its thread exits when the job ends).
    ///
    /// Called from a job (or thread hook) on this pool, it waits neither for
    /// its own thread nor for the threads of other jobs that shut this pool
    /// down themselves (they could wait for each other forever), and `true`
    /// means every other thread exited.
    pub fn shutdown_timeout(&self, d: Duration) -> bool {
        self.shared().begin_shutdown();
        self.shared().wait_for_exit(Some(
            Instant::now().checked_add(d).unwrap_or_else(far_future),
        ))
    }

    /// Like [`shutdown_timeout`](Self::shutdown_timeout), but waits as long as
    /// the running jobs take.
    pub fn shutdown(&self) {
        self.shared().begin_shutdown();
        self.shared().wait_for_exit(None);
    }

    /// Threads currently started (busy or idle).
    pub fn num_threads(&self) -> usize {
        lock(&self.shared().threads).num_threads
    }

    /// Threads waiting for a job (spinning or sleeping).
    pub fn idle_threads(&self) -> usize {
        let t = lock(&self.shared().threads);
        (self.shared().state.load().awake() + t.sleeping).min(t.num_threads)
    }

    /// Threads running a job.
    pub fn busy_threads(&self) -> usize {
        let t = lock(&self.shared().threads);
        let idle = self.shared().state.load().awake() + t.sleeping;
        t.num_threads.saturating_sub(idle)
    }

    /// Jobs waiting for a thread (not counting running ones).
    pub fn queue_depth(&self) -> usize {
        self.shared().state.load().queued()
    }

    /// The most threads this pool runs at once.
    pub fn max_threads(&self) -> usize {
        self.shared().config.max_threads
    }
}

fn far_future() -> Instant {
    // `Instant + d` overflowed: ~30 years is "forever" for a wait.
    Instant::now() + Duration::from_secs(60 * 60 * 24 * 365 * 30)
}

impl fmt::Debug for BlockingPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared().state.load();
        f.debug_struct("BlockingPool")
            .field("max_threads", &self.max_threads())
            .field("num_threads", &self.num_threads())
            .field("idle_threads", &self.idle_threads())
            .field("queue_depth", &state.queued())
            .field("shut_down", &state.is_shutdown())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;

    /// A stack no OS will map, so `std::thread::Builder::spawn` returns `Err`.
    const HUGE_STACK: usize = 1 << 46;

    #[test]
    fn refused_thread_with_no_threads_cancels_the_job_with_the_os_error() {
        let pool = BlockingPool::builder()
            .stack_size(HUGE_STACK)
            .build()
            .unwrap();
        for _ in 0..3 {
            let err = block_on(pool.spawn(|| 1)).unwrap_err();
            assert!(err.is_cancelled(), "{err:?}");
            assert!(
                err.to_string()
                    .contains("could not start a blocking thread"),
                "{err}"
            );
        }
        assert_eq!(pool.num_threads(), 0);
        assert_eq!(pool.queue_depth(), 0);
        assert!(pool.shutdown_timeout(Duration::from_secs(5)));
        assert_eq!(pool.shared().live_threads(), 0);
    }

    #[test]
    fn refused_thread_with_a_busy_thread_makes_the_job_wait_for_it() {
        // The first thread starts; every later start fails (its hook panics).
        let starts = std::sync::Arc::new(AtomicUsize::new(0));
        let s = starts.clone();
        let pool = BlockingPool::builder()
            .max_threads(2)
            .on_thread_start(move || {
                if s.fetch_add(1, Ordering::SeqCst) > 0 {
                    panic!("no second thread today");
                }
            })
            .build()
            .unwrap();
        let (release, wait) = mpsc::channel::<()>();
        let (started_tx, started) = mpsc::channel::<()>();
        let first = pool.spawn(move || {
            started_tx.send(()).unwrap();
            wait.recv().unwrap();
            1
        });
        started.recv().unwrap();
        let second = pool.spawn(|| 2);
        // The second start fails; the job waits for the busy thread.
        let deadline = Instant::now() + Duration::from_secs(10);
        while starts.load(Ordering::SeqCst) < 2 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(starts.load(Ordering::SeqCst), 2);
        assert!(!second.is_finished());
        release.send(()).unwrap();
        assert_eq!(block_on(first).unwrap(), 1);
        assert_eq!(block_on(second).unwrap(), 2);
        assert!(pool.shutdown_timeout(Duration::from_secs(10)));
        assert_eq!(pool.shared().live_threads(), 0);
    }

    #[test]
    fn panicking_start_hook_fails_the_job_and_the_pool_recovers() {
        let calls = std::sync::Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let pool = BlockingPool::builder()
            .on_thread_start(move || {
                if c.fetch_add(1, Ordering::SeqCst) == 0 {
                    panic!("setup failed once");
                }
            })
            .build()
            .unwrap();
        let err = block_on(pool.spawn(|| ())).unwrap_err();
        assert!(err.is_cancelled());
        assert!(
            err.to_string()
                .contains(r#"on_thread_start hook panicked with message "setup failed once""#),
            "{err}"
        );
        assert_eq!(block_on(pool.spawn(|| 5)).unwrap(), 5);
        assert!(pool.shutdown_timeout(Duration::from_secs(10)));
        assert_eq!(pool.shared().live_threads(), 0);
    }

    #[test]
    fn a_job_can_shut_its_own_pool_down() {
        let pool = BlockingPool::new(2);
        let p = pool.clone();
        let h = pool.spawn(move || p.shutdown_timeout(Duration::from_secs(10)));
        assert!(
            block_on(h).unwrap(),
            "its own thread must not be waited for"
        );
        assert!(pool.shutdown_timeout(Duration::from_secs(10)));
        assert_eq!(pool.shared().live_threads(), 0);
    }

    #[test]
    fn counters_add_up() {
        let pool = BlockingPool::new(2);
        assert_eq!(
            (pool.num_threads(), pool.idle_threads(), pool.busy_threads()),
            (0, 0, 0)
        );
        let (release, wait) = mpsc::channel::<()>();
        let (started_tx, started) = mpsc::channel::<()>();
        let busy = pool.spawn(move || {
            started_tx.send(()).unwrap();
            wait.recv().unwrap();
        });
        started.recv().unwrap();
        assert_eq!(pool.busy_threads(), 1);
        assert!(pool.num_threads() >= 1);
        assert_eq!(
            pool.num_threads(),
            pool.busy_threads() + pool.idle_threads()
        );
        release.send(()).unwrap();
        block_on(busy).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while pool.busy_threads() != 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(pool.busy_threads(), 0);
        assert_eq!(pool.max_threads(), 2);
        assert!(format!("{pool:?}").contains("max_threads: 2"));
        assert!(pool.shutdown_timeout(Duration::from_secs(10)));
        assert_eq!(pool.num_threads(), 0);
    }
}
