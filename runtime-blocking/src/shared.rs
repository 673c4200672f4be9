//! The pool's shared core: thread accounting, the hand-off protocol, shutdown.
//!
//! # Thread states
//!
//! ```text
//!                 wake_or_spawn                     pop (take_job)
//!   (none) ──────────────────────► Awake ─────────────────────────► Busy
//!             start (counted awake)  ▲ │ ◄──────────────────────────┘
//!                                    │ │          job done (wake)
//!                   token (wake)     │ │ queue empty, spin found nothing (doze)
//!                                    │ ▼
//!                                  Sleeping ── keep_alive / shutdown ──► exit
//! ```
//!
//! * **Awake**: not running a job, and bound to look at the queue (through the
//!   state word) before it sleeps. Counted in `State::awake`. A thread being
//!   started is counted awake from the moment it is decided on, so that while
//!   it starts up (tens of microseconds) spawners rely on it instead of
//!   starting more.
//! * **Busy**: running a job. Not counted anywhere but `num_threads`.
//! * **Sleeping**: blocked on `sleepers`. Counted in `Threads::sleeping` until a
//!   waker claims it by turning that count into a *token* (and counting it
//!   awake on its behalf); any sleeper may pick the token up.
//!
//! # The hand-off rule (no stranded job)
//!
//! A job is pushed by a spawner and run by whichever thread pops it first. The
//! one thing that must never happen is a job waiting in the queue while no
//! thread will ever look (below the cap). [`crate::state`] explains the rule that
//! prevents it: whoever makes `awake == 0 && queued > 0` true calls
//! [`Shared::wake_or_spawn`], which, under the `threads` lock, re-reads the
//! word and, if the condition still holds, hands a token to a sleeper, or
//! starts a thread below `max_threads`, or (at the cap) does nothing, because
//! every thread is busy and each will come back to the queue when its job
//! ends. Every other transition keeps the condition false on its own:
//!
//! * a spawner that finds `awake > 0` relies on an awake thread `W`. `W`'s
//!   next transition is a read-modify-write of the word ordered after the
//!   spawner's, so it sees the job: if it pops a job it hands off when it was
//!   the last one awake and more are queued; if it tries to sleep, it sees
//!   `queued > 0` and stays awake.
//! * a thread going to sleep decrements `awake` *while holding the `threads`
//!   lock* and registers as a sleeper before releasing it. A spawner that saw
//!   `awake == 0` and reaches `wake_or_spawn` therefore finds it either still
//!   awake (its decrement came later and saw the job) or registered (and hands
//!   it a token): never half-way, which would start a needless thread.
//!
//! Only one thread spins at a time (a thread that finds another awake thread
//! sleeps at once), so a burst of jobs is usually served by a thread that is
//! already running: a spawn then costs a reservation, a push, and no system
//! call. A park/unpark round trip costs about 50 µs on a small VM, so the spin
//! (a bounded number of `yield_now`s) is worth its CPU only while work is
//! likely to come; it gives way to any other runnable thread.
//!
//! # Shutdown
//!
//! `begin_shutdown` sets the word's shutdown bit under the `threads` lock and
//! wakes every sleeper (if there is one). From then on a reservation sees the
//! bit and the spawn resolves to a cancellation without pushing; a thread that
//! pops a job sees the bit in the same read-modify-write and cancels the job
//! instead of running it; awake threads exit at their next look; sleepers
//! exit when woken. A job popped before the bit was set is running and
//! finishes. The shutdown caller then drains: it pops and cancels until
//! `queued` is zero, which also covers a job whose spawner reserved before
//! the bit but had not pushed yet (it yields until that push lands; the
//! window is a few instructions, with nothing that can block or panic in
//! it). So every job is either run (picked up before the bit) or cancelled,
//! exactly once.
//!
//! Waiting for the threads uses `Threads::live`, which drops only at the very
//! end of a thread (after `on_thread_stop`), on the `exited` condition
//! variable. A caller from outside the pool waits for `live == 0`.
//!
//! A pool thread that shuts its own pool down (from a job or a hook) is a
//! *self-shutdown*. It must not wait for itself (it would wait forever), nor
//! for another self-shutdown, which may be waiting for it in turn (two jobs
//! that both shut their pool down would deadlock). So a thread that calls
//! `wait_for_exit` on its own pool counts itself once in
//! `Threads::self_shut`, and stays counted until it exits (its
//! `exit_live`); a self-shutdown waits only for `live - self_shut == 0`: the
//! threads that never shut the pool down themselves, and so never wait in
//! `wait_for_exit`. Nobody waits for an outside caller either, so these
//! waits cannot form a cycle, not even when a job, after its own shutdown
//! returned, waits for another job that shuts the pool down later. Joining
//! the count can complete another self-shutdown's wait, so it notifies
//! `exited`; `exit_live` notifies whenever `live <= self_shut`, which covers
//! both kinds of waiter.
//!
//! # Failing to start a thread
//!
//! When `std::thread::Builder::spawn` fails, or `on_thread_start` panics, the
//! thread that was counted awake is uncounted ([`Shared::start_failed`]). If
//! it was the last awake thread and jobs are queued, the hand-off rule is
//! restored: wake a sleeper if any; else, if busy threads exist, they will come
//! back for the jobs; else no thread exists at all, and the jobs it was
//! responsible for are cancelled with the OS error as the reason. Nothing
//! panics, and a failed start is not retried in a loop: the next spawn that
//! finds nobody awake tries once more.
//!
//! # Who touches what
//!
//! * `state`: everyone, lock-free (spawners, threads, shutdown, metrics).
//! * `threads`: only under its lock; sleepers wait on `sleepers` and shutdown
//!   callers on `exited`, both with this lock.
//! * `queue`: spawners push; awake threads and drainers pop.
//! * `config`: immutable after build.

use std::time::{Duration, Instant};

use crate::job::{BoxJob, Task};
use crate::loom::{lock, thread, wait_until, Arc, Condvar, Mutex, MutexGuard};
use crate::oneshot;
use crate::queue::JobQueue;
use crate::state::State;
use crate::{error::Id, BlockingHandle, QueueFull};

/// A hook run on every pool thread as it starts or stops.
pub(crate) type Hook = Box<dyn Fn() + Send + Sync + 'static>;

/// The reason given to jobs cancelled by shutdown.
pub(crate) const SHUT_DOWN: &str = "the blocking pool was shut down before the job started";

/// The pool's settings, fixed at build time.
pub(crate) struct Config {
    /// `1..=state::MAX_THREADS`.
    pub(crate) max_threads: usize,
    pub(crate) keep_alive: Duration,
    pub(crate) thread_name: String,
    /// `None` or `Some(1..)`: the most jobs `queued` at once.
    pub(crate) queue_limit: Option<usize>,
    pub(crate) stack_size: Option<usize>,
    pub(crate) on_thread_start: Option<Hook>,
    pub(crate) on_thread_stop: Option<Hook>,
}

/// Thread bookkeeping, under `Shared::threads`.
#[derive(Debug, Default)]
pub(crate) struct Threads {
    /// Threads counted against the cap: started or being started, and not yet
    /// decided to exit. Never above `max_threads`.
    pub(crate) num_threads: usize,
    /// Threads that may still run pool code (including a hook); `>=
    /// num_threads`. Drops last thing in a thread; shutdown waits for 0.
    live: usize,
    /// Sleepers nobody has claimed yet. `sleeping + tokens` threads are in
    /// the wait loop of [`Shared::sleep`].
    pub(crate) sleeping: usize,
    /// Wake tokens handed out and not yet picked up. The thread that picks
    /// one up was already counted awake by the one who handed it out.
    tokens: usize,
    /// Live threads that have called [`Shared::wait_for_exit`] on their own
    /// pool (self-shutdowns; see "Shutdown" in the module docs). Each is
    /// counted once, and uncounted with `live` when it exits: `<= live`.
    self_shut: usize,
}

/// What a thread should do after [`Shared::sleep`].
#[must_use]
pub(crate) enum Sleep {
    /// Awake again (counted in `awake`): look at the queue.
    Woken,
    /// Leave: keep-alive expired or shutdown (already uncounted).
    Exit,
}

/// Everything the pool's threads and handles share.
pub(crate) struct Shared {
    /// `queued | awake | shutdown`; see [`crate::state`].
    pub(crate) state: State,
    /// Jobs not yet picked up; `state.queued()` counts them (and may run
    /// ahead by reservations not yet pushed).
    pub(crate) queue: JobQueue,
    /// Thread counts; the lock sleepers and shutdown waiters wait under.
    pub(crate) threads: Mutex<Threads>,
    /// Sleeping threads wait here for a token, shutdown or keep-alive.
    sleepers: Condvar,
    /// Shutdown callers wait here for `live` to fall.
    exited: Condvar,
    pub(crate) config: Config,
}

impl Shared {
    pub(crate) fn new(config: Config) -> Shared {
        Shared {
            state: State::new(),
            queue: JobQueue::new(),
            threads: Mutex::new(Threads::default()),
            sleepers: Condvar::new(),
            exited: Condvar::new(),
            config,
        }
    }

    /// Queues `f`, or gives it back if `limit` is on and the queue is full.
    /// After shutdown the handle resolves to a cancellation at once.
    pub(crate) fn submit<F, R>(
        this: &Arc<Self>,
        f: F,
        limit: Option<usize>,
    ) -> Result<BlockingHandle<R>, QueueFull<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let old = this.state.reserve();
        if old.is_shutdown() {
            this.state.unreserve();
            drop(f);
            let (tx, rx) = oneshot::channel(Id::next());
            tx.cancel("the blocking pool is shut down");
            return Ok(BlockingHandle::new(rx));
        }
        if let Some(limit) = limit {
            if old.queued() >= limit {
                this.state.unreserve();
                return Err(QueueFull::new(f, limit));
            }
        }
        let (tx, rx) = oneshot::channel(Id::next());
        let job: BoxJob = Box::new(Task { f, tx });
        this.queue.push(job);
        if old.awake() == 0 {
            Shared::wake_or_spawn(this);
        }
        Ok(BlockingHandle::new(rx))
    }

    /// Makes sure some thread will look at the queue, if jobs are queued and
    /// nobody awake will: the one place threads are woken or started.
    pub(crate) fn wake_or_spawn(this: &Arc<Self>) {
        let mut t = lock(&this.threads);
        let now = this.state.load();
        if now.is_shutdown() || now.awake() > 0 || now.queued() == 0 {
            return;
        }
        if t.sleeping > 0 {
            this.hand_token(t);
            return;
        }
        if t.num_threads >= this.config.max_threads {
            return; // every thread is busy; each comes back to the queue
        }
        t.num_threads += 1;
        t.live += 1;
        let _ = this.state.wake();
        drop(t);
        Shared::start_thread(this);
    }

    /// Claims one sleeper: it is counted awake now and picks the token up.
    /// Notifies after unlocking, so the sleeper does not wake into a held lock.
    fn hand_token(&self, mut t: MutexGuard<'_, Threads>) {
        t.sleeping -= 1;
        t.tokens += 1;
        let _ = self.state.wake();
        drop(t);
        self.sleepers.notify_one();
    }

    fn start_thread(this: &Arc<Self>) {
        let mut builder = thread::Builder::new().name(this.config.thread_name.clone());
        if let Some(size) = this.config.stack_size {
            builder = builder.stack_size(size);
        }
        let shared = Arc::clone(this);
        if let Err(e) = builder.spawn(move || crate::worker::run(shared)) {
            this.start_failed(&format!("could not start a blocking thread: {e}"), false);
        }
    }

    /// A thread counted in `num_threads`, `live` and `awake` will never serve
    /// the queue (the OS refused it, or its start hook panicked; `self_shut`
    /// if that hook shut the pool down first).
    pub(crate) fn start_failed(&self, reason: &str, self_shut: bool) {
        let mut t = lock(&self.threads);
        t.num_threads -= 1;
        let old = self.state.doze();
        self.exit_live(&mut t, self_shut);
        if old.is_shutdown() || old.awake() > 1 || old.queued() == 0 {
            return; // someone else awake will look, or nothing to do
        }
        if t.sleeping > 0 {
            self.hand_token(t);
            return;
        }
        if t.num_threads > 0 {
            return; // busy threads come back to the queue when they finish
        }
        drop(t);
        // No thread at all: nothing would ever run the jobs this thread was
        // relied on for (those reserved before its `doze`; later spawners saw
        // `awake == 0` and call `wake_or_spawn` themselves).
        let mut owed = old.queued();
        while owed > 0 && self.state.load().queued() > 0 {
            match self.queue.pop() {
                Some(job) => {
                    let _ = self.state.discard_job();
                    owed -= 1;
                    job.cancel(reason);
                }
                None => thread::yield_now(), // a reserved job's push is in flight
            }
        }
    }

    /// An awake thread found the queue empty: sleep until a token, shutdown,
    /// or `keep_alive` idle.
    pub(crate) fn sleep(&self) -> Sleep {
        let mut t = lock(&self.threads);
        let old = self.state.doze();
        if old.queued() > 0 || old.is_shutdown() {
            // A job (or shutdown) arrived since we last looked: stay awake.
            // A spawner that saw our `doze` waits for this lock and then finds
            // us awake again.
            let _ = self.state.wake();
            return Sleep::Woken;
        }
        t.sleeping += 1;
        let deadline = Instant::now().checked_add(self.config.keep_alive);
        let mut timed_out = false;
        loop {
            if t.tokens > 0 {
                t.tokens -= 1;
                return Sleep::Woken;
            }
            if timed_out || self.state.load().is_shutdown() {
                t.sleeping -= 1;
                t.num_threads -= 1;
                return Sleep::Exit;
            }
            (t, timed_out) = wait_until(&self.sleepers, t, deadline);
        }
    }

    /// A thread leaves for shutdown after uncounting itself from `awake`.
    pub(crate) fn leave(&self) {
        lock(&self.threads).num_threads -= 1;
    }

    /// Threads that may still run pool code (tests check it returns to 0).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn live_threads(&self) -> usize {
        lock(&self.threads).live
    }

    /// The very last thing a pool thread does; `self_shut` if it shut its
    /// own pool down.
    pub(crate) fn thread_exited(&self, self_shut: bool) {
        let mut t = lock(&self.threads);
        self.exit_live(&mut t, self_shut);
    }

    /// A thread leaves `live` (and `self_shut`, if it is counted there).
    fn exit_live(&self, t: &mut Threads, self_shut: bool) {
        t.live -= 1;
        if self_shut {
            t.self_shut -= 1;
        }
        // Outside waiters wait for `live == 0` (then `self_shut == 0` too),
        // self-shutdowns for `live == self_shut`.
        if t.live <= t.self_shut {
            self.exited.notify_all();
        }
    }

    /// Stops taking jobs, wakes every thread so idle ones exit, and cancels
    /// every queued job. Idempotent; does not wait for running jobs.
    pub(crate) fn begin_shutdown(&self) {
        let t = lock(&self.threads);
        let old = self.state.shut_down();
        // Threads in `sleep`'s wait loop (sleepers, and woken ones yet to
        // take their token); one entering it later sees the bit under the
        // lock. With none, skip the wake: it is a system call even then.
        let waiting = t.sleeping + t.tokens > 0;
        drop(t);
        if !old.is_shutdown() && waiting {
            self.sleepers.notify_all();
        }
        while self.state.load().queued() > 0 {
            match self.queue.pop() {
                Some(job) => {
                    let _ = self.state.discard_job();
                    job.cancel(SHUT_DOWN);
                }
                None => thread::yield_now(), // a pop or push is in flight
            }
        }
    }

    /// Waits until every thread has exited, or `deadline`; true if they
    /// have. Called on one of this pool's threads (a self-shutdown), waits
    /// only for the threads that are not self-shutdowns (module docs).
    pub(crate) fn wait_for_exit(&self, deadline: Option<Instant>) -> bool {
        let this = self as *const Shared as usize;
        let own = crate::worker::current_pool() == Some(this);
        let mut t = lock(&self.threads);
        if own && crate::worker::mark_self_shutdown() {
            t.self_shut += 1;
            if t.live == t.self_shut {
                self.exited.notify_all(); // may be all another one waits for
            }
        }
        let waited_for = |t: &Threads| t.live - if own { t.self_shut } else { 0 };
        loop {
            if waited_for(&t) == 0 {
                return true;
            }
            let timed_out;
            (t, timed_out) = wait_until(&self.exited, t, deadline);
            if timed_out {
                return waited_for(&t) == 0;
            }
        }
    }
}
