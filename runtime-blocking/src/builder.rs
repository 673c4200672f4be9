//! [`Builder`]: the settings of a [`BlockingPool`].

use std::fmt;
use std::io;
use std::time::Duration;

use crate::loom::Arc;
use crate::shared::{Config, Hook, Shared};
use crate::state::MAX_THREADS;
use crate::BlockingPool;

/// Configures and builds a [`BlockingPool`].
///
/// ```
/// use std::time::Duration;
/// use runtime::blocking::BlockingPool;
///
/// let pool = BlockingPool::builder()
///     .max_threads(4)
///     .keep_alive(Duration::from_secs(2))
///     .thread_name("db-io")
///     .queue_limit(1_000)
///     .build()?;
/// assert_eq!(pool.max_threads(), 4);
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// No thread starts at build time: threads start on demand, as jobs arrive.
pub struct Builder {
    max_threads: usize,
    keep_alive: Duration,
    thread_name: String,
    queue_limit: Option<usize>,
    stack_size: Option<usize>,
    on_thread_start: Option<Hook>,
    on_thread_stop: Option<Hook>,
}

impl Builder {
    /// A builder with the defaults: at most 512 threads, 10 s keep-alive,
    /// threads named `runtime-blocking`, unbounded queue, no hooks.
    pub fn new() -> Builder {
        Builder {
            max_threads: 512,
            keep_alive: Duration::from_secs(10),
            thread_name: "runtime-blocking".to_string(),
            queue_limit: None,
            stack_size: None,
            on_thread_start: None,
            on_thread_stop: None,
        }
    }

    /// The most threads the pool runs at once (default 512). Jobs beyond that
    /// wait in the queue. Must be at least 1 ([`build`](Self::build) fails
    /// otherwise); values above 2 097 151 are treated as 2 097 151.
    ///
    /// For CPU-bound work use the number of cores; for blocking I/O (files,
    /// DNS, a synchronous database driver) the elastic default is right.
    pub fn max_threads(mut self, n: usize) -> Builder {
        self.max_threads = n;
        self
    }

    /// How long a thread may stay idle before it exits (default 10 s). A
    /// thread that exited is started again when work needs it.
    pub fn keep_alive(mut self, d: Duration) -> Builder {
        self.keep_alive = d;
        self
    }

    /// The name of the pool's threads, as shown by debuggers and panic
    /// messages (default `runtime-blocking`). Must not contain a NUL byte.
    pub fn thread_name(mut self, name: impl Into<String>) -> Builder {
        self.thread_name = name.into();
        self
    }

    /// The most jobs that may wait for a thread at once (default: no limit).
    /// Beyond it, [`BlockingPool::try_spawn`] returns [`QueueFull`](crate::QueueFull)
    /// with the closure, and [`BlockingPool::spawn`] resolves its handle to a
    /// cancellation. Running jobs do not count. Must be at least 1.
    pub fn queue_limit(mut self, n: usize) -> Builder {
        self.queue_limit = Some(n);
        self
    }

    /// Runs `f` on every pool thread when it starts, before it takes a job.
    ///
    /// If `f` panics, the panic is printed by the panic hook as usual, the
    /// thread exits without running jobs, and the start counts as failed: the
    /// queued jobs wait for another thread, or, if the pool has no thread at
    /// all, resolve to a cancellation whose message quotes the panic. The
    /// pool stays usable; the next job that needs a thread tries again.
    pub fn on_thread_start<F>(mut self, f: F) -> Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.on_thread_start = Some(Box::new(f));
        self
    }

    /// Runs `f` on every pool thread just before it exits (keep-alive expired
    /// or shutdown). A panic in `f` is printed and otherwise ignored.
    pub fn on_thread_stop<F>(mut self, f: F) -> Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.on_thread_stop = Some(Box::new(f));
        self
    }

    /// Test hook: a stack size the OS will refuse, to exercise failed starts.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn stack_size(mut self, size: usize) -> Builder {
        self.stack_size = Some(size);
        self
    }

    /// Builds the pool.
    ///
    /// # Errors
    /// [`io::ErrorKind::InvalidInput`] if `max_threads` is 0, `queue_limit`
    /// is 0, or the thread name contains a NUL byte.
    pub fn build(self) -> io::Result<BlockingPool> {
        if self.max_threads == 0 {
            return Err(invalid(
                "BlockingPool: max_threads must be at least 1 (a pool without threads cannot run jobs)",
            ));
        }
        if self.queue_limit == Some(0) {
            return Err(invalid(
                "BlockingPool: queue_limit must be at least 1 (leave it unset for an unbounded queue)",
            ));
        }
        if self.thread_name.contains('\0') {
            return Err(invalid(
                "BlockingPool: thread_name must not contain a NUL byte",
            ));
        }
        let config = Config {
            max_threads: self.max_threads.min(MAX_THREADS),
            keep_alive: self.keep_alive,
            thread_name: self.thread_name,
            queue_limit: self.queue_limit,
            stack_size: self.stack_size,
            on_thread_start: self.on_thread_start,
            on_thread_stop: self.on_thread_stop,
        };
        Ok(BlockingPool::from_shared(Arc::new(Shared::new(config))))
    }
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("max_threads", &self.max_threads)
            .field("keep_alive", &self.keep_alive)
            .field("thread_name", &self.thread_name)
            .field("queue_limit", &self.queue_limit)
            .field(
                "on_thread_start",
                &self.on_thread_start.as_ref().map(|_| "Fn()"),
            )
            .field(
                "on_thread_stop",
                &self.on_thread_stop.as_ref().map(|_| "Fn()"),
            )
            .finish()
    }
}
