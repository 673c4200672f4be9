//! The job queue: a crossbeam-channel normally, a loom `Mutex<VecDeque>` under loom.
//!
//! The pool only ever pushes a job and tries to pop one: threads never block
//! on the queue itself (they sleep on the pool's own condition variable, see
//! [`crate::shared`]), so this is the whole interface. crossbeam-channel's unbounded
//! channel is a lock-free MPMC list: spawners on several runtime workers
//! never serialize on a lock, and a push finds no blocked receiver to wake, so
//! it costs a few atomic operations. crossbeam is invisible to loom, so under
//! `cfg(loom)` the same interface is a loom mutex around a `VecDeque`, which
//! loom can see (and which is FIFO too).
//!
//! The queue's own length is not used for decisions: the pool counts jobs in
//! its state word ([`crate::state`]), which is what its protocol reasons about.

use crate::job::BoxJob;

/// FIFO queue of jobs not yet picked up by a pool thread.
#[cfg(not(loom))]
pub(crate) struct JobQueue {
    tx: crossbeam_channel::Sender<BoxJob>,
    rx: crossbeam_channel::Receiver<BoxJob>,
}

#[cfg(not(loom))]
impl JobQueue {
    pub(crate) fn new() -> JobQueue {
        let (tx, rx) = crossbeam_channel::unbounded();
        JobQueue { tx, rx }
    }

    pub(crate) fn push(&self, job: BoxJob) {
        // An unbounded channel only refuses a message when every receiver is
        // gone, and `self.rx` lives as long as `self.tx`.
        if self.tx.send(job).is_err() {
            unreachable!("the job queue's receiver lives as long as its sender");
        }
    }

    pub(crate) fn pop(&self) -> Option<BoxJob> {
        self.rx.try_recv().ok()
    }
}

/// FIFO queue of jobs not yet picked up by a pool thread (loom version).
#[cfg(loom)]
pub(crate) struct JobQueue {
    jobs: crate::loom::Mutex<std::collections::VecDeque<BoxJob>>,
}

#[cfg(loom)]
impl JobQueue {
    pub(crate) fn new() -> JobQueue {
        JobQueue {
            jobs: crate::loom::Mutex::new(std::collections::VecDeque::new()),
        }
    }

    pub(crate) fn push(&self, job: BoxJob) {
        crate::loom::lock(&self.jobs).push_back(job);
    }

    pub(crate) fn pop(&self) -> Option<BoxJob> {
        crate::loom::lock(&self.jobs).pop_front()
    }
}
