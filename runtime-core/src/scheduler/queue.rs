//! Run queues: each worker's local queue (owner pushes and pops, others steal
//! about half), and the global injector for tasks scheduled from outside the
//! workers and for local overflow.
//!
//! Normally these are `crossbeam_deque`'s `Worker`/`Stealer`/`Injector`.
//! crossbeam-deque is invisible to loom, so under `cfg(loom)` the same small
//! interface is backed by loom `Mutex<VecDeque>`s and every hand-off through a
//! queue becomes a lock the model checker can see — except the length, read
//! without the lock as crossbeam reads it (see the stand-in's docs).

use crate::task::Notified;

/// Tasks a local queue holds before half of them overflow to the injector.
/// Small under loom so models reach the overflow path in a few steps.
#[cfg(not(loom))]
pub(crate) const LOCAL_CAPACITY: usize = 256;
#[cfg(loom)]
pub(crate) const LOCAL_CAPACITY: usize = 4;

#[cfg(not(loom))]
mod imp {
    use super::*;
    use crossbeam_deque::{Injector, Steal, Stealer as CbStealer, Worker};

    pub(crate) struct Local(Worker<Notified>);
    #[derive(Clone)]
    pub(crate) struct Stealer(CbStealer<Notified>);
    pub(crate) struct Inject(Injector<Notified>);

    fn retry(mut f: impl FnMut() -> Steal<Notified>) -> Option<Notified> {
        loop {
            match f() {
                Steal::Success(t) => return Some(t),
                Steal::Empty => return None,
                Steal::Retry => std::hint::spin_loop(),
            }
        }
    }

    impl Local {
        pub(crate) fn new() -> Local {
            Local(Worker::new_fifo())
        }
        pub(crate) fn push(&self, task: Notified) {
            self.0.push(task)
        }
        pub(crate) fn pop(&self) -> Option<Notified> {
            self.0.pop()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
        pub(crate) fn stealer(&self) -> Stealer {
            Stealer(self.0.stealer())
        }
    }

    impl Stealer {
        /// Moves about half of the victim's tasks into `dst`, returning one.
        pub(crate) fn steal_into(&self, dst: &Local) -> Option<Notified> {
            retry(|| self.0.steal_batch_and_pop(&dst.0))
        }
        /// Takes one task (the oldest) from the victim.
        pub(crate) fn steal_one(&self) -> Option<Notified> {
            retry(|| self.0.steal())
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
    }

    impl Inject {
        pub(crate) fn new() -> Inject {
            Inject(Injector::new())
        }
        pub(crate) fn push(&self, task: Notified) {
            self.0.push(task)
        }
        /// Takes a batch into `dst`, returning one task of it.
        pub(crate) fn pop_into(&self, dst: &Local) -> Option<Notified> {
            retry(|| self.0.steal_batch_and_pop(&dst.0))
        }
        pub(crate) fn pop(&self) -> Option<Notified> {
            retry(|| self.0.steal())
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
    }
}

#[cfg(loom)]
mod imp {
    //! The loom stand-in: a `Mutex<VecDeque>` per queue, plus its length in
    //! an atomic that `len`/`is_empty` read *without* the lock, as
    //! crossbeam's do. (Read under the lock, the lock itself would order a
    //! push before a later look, and the park protocol's SeqCst fences —
    //! which are what order them on crossbeam — could be removed without any
    //! model noticing.) Stored under the lock, read `Relaxed`: the weakest
    //! reading crossbeam could give.
    use super::*;
    use crate::loom::atomic::{AtomicUsize, Ordering::Relaxed};
    use crate::loom::{lock, Arc, Mutex};
    use std::collections::VecDeque;

    struct Queue {
        tasks: Mutex<VecDeque<Notified>>,
        len: AtomicUsize,
    }

    impl Queue {
        fn new() -> Queue {
            Queue {
                tasks: Mutex::new(VecDeque::new()),
                len: AtomicUsize::new(0),
            }
        }
        fn with<R>(&self, f: impl FnOnce(&mut VecDeque<Notified>) -> R) -> R {
            let mut q = lock(&self.tasks);
            let r = f(&mut q);
            self.len.store(q.len(), Relaxed);
            r
        }
        fn len(&self) -> usize {
            self.len.load(Relaxed)
        }
    }

    pub(crate) struct Local(Arc<Queue>);
    #[derive(Clone)]
    pub(crate) struct Stealer(Arc<Queue>);
    pub(crate) struct Inject(Queue);

    impl Local {
        pub(crate) fn new() -> Local {
            Local(Arc::new(Queue::new()))
        }
        pub(crate) fn push(&self, task: Notified) {
            self.0.with(|q| q.push_back(task))
        }
        pub(crate) fn pop(&self) -> Option<Notified> {
            self.0.with(|q| q.pop_front())
        }
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
        pub(crate) fn stealer(&self) -> Stealer {
            Stealer(self.0.clone())
        }
    }

    /// Moves `batch` (taken under the source's lock, released since, so two
    /// thieves never hold two queue locks at once) into `dst`, returning one.
    fn hand_over(mut batch: VecDeque<Notified>, dst: &Local) -> Option<Notified> {
        let first = batch.pop_front()?;
        dst.0.with(|q| q.extend(batch));
        Some(first)
    }

    impl Stealer {
        pub(crate) fn steal_into(&self, dst: &Local) -> Option<Notified> {
            let batch = self.0.with(|q| {
                let n = q.len().div_ceil(2);
                q.drain(..n).collect()
            });
            hand_over(batch, dst)
        }
        pub(crate) fn steal_one(&self) -> Option<Notified> {
            self.0.with(|q| q.pop_front())
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.len() == 0
        }
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
    }

    impl Inject {
        pub(crate) fn new() -> Inject {
            Inject(Queue::new())
        }
        pub(crate) fn push(&self, task: Notified) {
            self.0.with(|q| q.push_back(task))
        }
        pub(crate) fn pop_into(&self, dst: &Local) -> Option<Notified> {
            let batch = self.0.with(|q| {
                let n = q.len().min(LOCAL_CAPACITY / 2);
                q.drain(..n).collect()
            });
            hand_over(batch, dst)
        }
        pub(crate) fn pop(&self) -> Option<Notified> {
            self.0.with(|q| q.pop_front())
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.len() == 0
        }
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
    }
}

pub(crate) use imp::{Inject, Local, Stealer};
