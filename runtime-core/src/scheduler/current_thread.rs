//! The current-thread scheduler: one FIFO queue, driven by `block_on`.
//!
//! Deterministic like asyncio's ready queue: tasks run in the order they were
//! spawned or woken (no LIFO slot), so two tasks that each `yield_now`
//! strictly alternate.
//!
//! Driving: the thread in `block_on` that holds the *core* (a flag under the
//! `core` mutex) runs queued tasks, polling its own future whenever its waker
//! fired. Every [`EVENT_INTERVAL`] tasks, and before it parks, it polls the
//! runtime's driver (I/O events, due timers). With nothing to do it parks on
//! `Shared::parker`, which sleeps in the driver (`crate::driver`: until an
//! I/O event, the next timer or an unpark). Every `schedule` pushes under
//! the queue lock and then unparks that parker; the parker's token makes a
//! push that races with the driving thread's "queue empty, park" harmless.
//! A second thread calling `block_on` while the core is taken polls its own
//! future on its own parker and registers as a waiter; when the driver
//! leaves `block_on` it releases the core and unparks the waiters, one of
//! which takes over driving.
//!
//! A task that yields (`yield_now`, a spent budget) goes to the back of the
//! queue and runs again only after the next driver poll (tokio's "defer"):
//! the queue counts the tasks queued behind the oldest such task
//! (`Queue::defer`), and when that task reaches the front the driving
//! thread polls the driver first. One poll serves every task that yielded
//! before it, so two tasks that yield in turn still alternate.
//!
//! Shutdown closes the queue under its lock (later schedules drop their task)
//! and cancels every task through the registry.

use super::park::Parker;
use super::{Common, Config, WorkerMetrics, EVENT_INTERVAL};
use crate::coop;
use crate::loom::atomic::Ordering::*;
use crate::loom::{lock, Arc, Mutex};
use crate::task::{self, Header, JoinError, JoinHandle, Meta, Notified, RawTask, Schedule, Task};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Wake, Waker};

/// With time paused and a blocking job running, how long the driver sleeps
/// before it checks again whether the clock may jump (a job's completion
/// wakes it sooner).
const MAX_PAUSED_NAP: std::time::Duration = std::time::Duration::from_millis(1);

pub(crate) struct Shared {
    /// What both flavors share: the registry, the driver (parked on by the
    /// driving thread), reports, settings, and the one worker's counters
    /// (written only by the thread holding the core).
    pub(crate) common: Common,
    queue: Mutex<Queue>,
    /// The driving thread sleeps here (in the driver, see `park_on`).
    parker: Parker,
    core: Mutex<CoreState>,
}

struct Queue {
    tasks: VecDeque<Notified>,
    /// Set by shutdown; no task is queued afterwards.
    closed: bool,
    /// Tasks queued after the oldest task that yielded since the driver was
    /// last turned; `None`: no such task. A yielded task runs only after a
    /// driver turn (module docs).
    defer: Option<usize>,
}

/// What the driving thread finds at the front of the queue.
enum Next {
    Task(Notified),
    /// A task that yielded since the driver was last turned: turn it first.
    Yielded,
    Empty,
}

struct CoreState {
    /// A `block_on` is driving the queue.
    taken: bool,
    /// `block_on` callers waiting for the core.
    waiters: Vec<std::sync::Arc<MainWaker>>,
}

/// The waker of a `block_on` future.
struct MainWaker {
    woken: std::sync::atomic::AtomicBool,
    /// Where this `block_on` sleeps while another thread drives.
    parker: Parker,
    shared: Arc<Shared>,
}

impl Wake for MainWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.woken.store(true, Release);
        // We don't know whether our thread is driving (asleep on the shared
        // parker) or waiting (on its own): unpark both. A spare token only
        // costs the driver one extra look at the queue.
        self.parker.unpark(None);
        self.shared.unpark_driver();
    }
}

impl Shared {
    pub(crate) fn new(config: Config) -> std::io::Result<Arc<Shared>> {
        Ok(Arc::new(Shared {
            common: Common::new(0, config)?,
            queue: Mutex::new(Queue {
                tasks: VecDeque::new(),
                closed: false,
                defer: None,
            }),
            parker: Parker::new(),
            core: Mutex::new(CoreState {
                taken: false,
                waiters: Vec::new(),
            }),
        }))
    }

    pub(crate) fn spawn<F>(this: &Arc<Shared>, future: F, meta: Meta) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let registry = &this.common.registry;
        let shard = registry.shared_shard();
        let (join, notified) = task::spawn(future, this.clone(), registry, shard, meta);
        if let Some(notified) = notified {
            this.push(notified, false);
        }
        join
    }

    fn push(&self, task: Notified, is_yield: bool) {
        task::waits::stamp_woken(task.header(), self.common.config.schedule_latency);
        let rejected = {
            let mut q = lock(&self.queue);
            if q.closed {
                Some(task)
            } else {
                if let Some(after) = &mut q.defer {
                    *after += 1;
                }
                q.tasks.push_back(task);
                if is_yield {
                    q.defer.get_or_insert(0);
                }
                None
            }
        };
        // Dropped outside the lock: it may be the last reference.
        if rejected.is_none() {
            self.unpark_driver();
        }
    }

    /// Wakes the driving thread (in the driver or on its condvar).
    pub(crate) fn unpark_driver(&self) {
        self.parker.unpark(Some(&self.common.driver));
    }

    fn pop(&self) -> Next {
        let mut q = lock(&self.queue);
        if q.defer.is_some_and(|after| q.tasks.len() <= after + 1) {
            return Next::Yielded;
        }
        q.tasks.pop_front().map_or(Next::Empty, Next::Task)
    }

    /// The driver was turned: every task that yielded before may run.
    fn driver_turned(&self) {
        lock(&self.queue).defer = None;
    }

    fn metrics(&self) -> &WorkerMetrics {
        &self.common.workers[0]
    }

    pub(crate) fn queue_depth(&self) -> usize {
        lock(&self.queue).tasks.len()
    }

    pub(crate) fn block_on<F: Future>(this: &Arc<Shared>, future: F) -> F::Output {
        let mut future = pin!(future);
        let me = std::sync::Arc::new(MainWaker {
            woken: std::sync::atomic::AtomicBool::new(true),
            parker: Parker::new(),
            shared: this.clone(),
        });
        let waker = Waker::from(me.clone());
        let mut cx = Context::from_waker(&waker);
        loop {
            if this.try_take_core(&me) {
                struct Release<'a>(&'a Shared);
                impl Drop for Release<'_> {
                    fn drop(&mut self) {
                        self.0.release_core();
                    }
                }
                let _release = Release(this);
                return this.drive(&me, future.as_mut(), &mut cx);
            }
            // Another thread drives the tasks: just poll our own future.
            if me.woken.swap(false, AcqRel) {
                if let Poll::Ready(v) = coop::with_budget(|| future.as_mut().poll(&mut cx)) {
                    return v;
                }
            }
            me.parker.park();
        }
    }

    fn try_take_core(&self, me: &std::sync::Arc<MainWaker>) -> bool {
        let mut core = lock(&self.core);
        if !core.taken {
            core.taken = true;
            drop(core);
            super::watchdog::wake(&self.common);
            return true;
        }
        if !core.waiters.iter().any(|w| std::sync::Arc::ptr_eq(w, me)) {
            core.waiters.push(me.clone());
        }
        false
    }

    /// A `block_on` drives the queue now (for the watchdog: a runtime no
    /// thread drives runs no task).
    pub(crate) fn is_driven(&self) -> bool {
        lock(&self.core).taken
    }

    fn release_core(&self) {
        let waiters = {
            let mut core = lock(&self.core);
            core.taken = false;
            std::mem::take(&mut core.waiters)
        };
        for w in waiters {
            w.parker.unpark(None);
        }
    }

    fn drive<F: Future>(
        &self,
        me: &MainWaker,
        mut future: Pin<&mut F>,
        cx: &mut Context<'_>,
    ) -> F::Output {
        /// The busy span in progress, added to the metrics when it ends (at
        /// a park, or when this thread stops driving, unwinding included).
        struct Busy<'a>(&'a WorkerMetrics, std::time::Instant);
        impl Drop for Busy<'_> {
            fn drop(&mut self) {
                self.0.add_busy(self.1);
            }
        }
        let mut busy = Busy(self.metrics(), std::time::Instant::now());
        task::waits::refresh_coarse();
        // Tasks run since the coarse clock was last refreshed: refreshed
        // every `EVENT_INTERVAL` of them, as a multi-thread worker does
        // (a batch can be a single task, when tasks and the `block_on`
        // future take turns).
        let mut unrefreshed = 0;
        loop {
            if me.woken.swap(false, AcqRel) {
                if let Poll::Ready(v) = coop::with_budget(|| future.as_mut().poll(cx)) {
                    return v;
                }
            }
            let mut ran = 0;
            let mut yielded = false;
            while ran < EVENT_INTERVAL as usize {
                match self.pop() {
                    Next::Task(task) => {
                        WorkerMetrics::bump(&self.metrics().polls);
                        if self.common.config.watch_polls {
                            self.metrics().polling(task.id().as_u64());
                        }
                        if self.common.config.schedule_latency {
                            self.metrics().record_latency(task.header());
                        }
                        task.run();
                    }
                    Next::Yielded => {
                        yielded = true;
                        break;
                    }
                    Next::Empty => break,
                }
                ran += 1;
            }
            // Reset after the batch, not after each poll.
            self.metrics().not_polling();
            unrefreshed += ran;
            if unrefreshed >= EVENT_INTERVAL as usize {
                unrefreshed = 0;
                task::waits::refresh_coarse();
            }
            let woke = self.common.driver.maintain();
            self.driver_turned();
            if woke || yielded {
                continue;
            }
            if ran == 0 && !me.woken.load(Acquire) {
                self.idle_until_woken(&mut busy.1);
            }
        }
    }

    /// Nothing to run: sleep in the driver until woken, an I/O event or the
    /// next timer — or, with time paused, jump the clock to the next timer
    /// instead of sleeping (after delivering any I/O already ready: a socket
    /// that is ready now must be seen before time jumps).
    /// `busy_since`: the start of the busy span a park ends (a new one
    /// starts when it wakes).
    fn idle_until_woken(&self, busy_since: &mut std::time::Instant) {
        let driver = &self.common.driver;
        let time = &driver.time;
        let mut max = None;
        if time.clock.is_paused() {
            // A running blocking job may still wake a task at an earlier
            // (virtual) time: don't jump past it; look again soon.
            let blocking_idle = self.common.blocking().busy_threads() == 0
                && self.common.blocking().queue_depth() == 0;
            if !blocking_idle {
                max = Some(MAX_PAUSED_NAP);
            } else if let Some(deadline) = time.next_deadline() {
                if driver.poll_io() > 0 {
                    return;
                }
                time.clock.advance_to(deadline);
                time.fire_due();
                return;
            }
        }
        WorkerMetrics::bump(&self.metrics().parks);
        WorkerMetrics::bump(&self.metrics().park_unpark);
        self.metrics().add_busy(*busy_since);
        self.parker.park_on(driver, max);
        WorkerMetrics::bump(&self.metrics().park_unpark);
        super::watchdog::wake(&self.common);
        task::waits::refresh_coarse();
        *busy_since = std::time::Instant::now();
    }

    /// Closes the queue (shutdown, after the registry cancelled every task):
    /// drops what is queued, and every later schedule drops its task.
    pub(crate) fn close_queue(&self) {
        let leftovers = {
            let mut q = lock(&self.queue);
            q.closed = true;
            std::mem::take(&mut q.tasks)
        };
        drop(leftovers);
    }
}

impl Schedule for Shared {
    fn schedule(&self, task: Notified, is_yield: bool) {
        // FIFO either way: a yielding task goes behind the others, and also
        // waits for the next driver turn.
        self.push(task, is_yield);
    }

    fn release(&self, task: RawTask) -> Option<Task> {
        self.common.registry.remove(task, None)
    }

    fn unhandled_panic(&self, task: &Header, error: &JoinError) {
        self.common.reports.unhandled_panic(task, error);
    }

    fn hooks(&self) -> Option<&crate::runtime::TaskHooks> {
        self.common.config.task_hooks.as_deref()
    }
}
