//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod cpu;
pub mod rt;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};

/// Runs one test body on both flavors: `both_flavors!(name, |rt| { ... })`
/// defines `name::current_thread` and `name::multi_thread` (2 workers).
#[macro_export]
macro_rules! both_flavors {
    ($name:ident, |$rt:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[test]
            fn current_thread() {
                let $rt = $crate::common::rt::current();
                $body
            }
            #[test]
            fn multi_thread() {
                let $rt = $crate::common::rt::multi(2);
                $body
            }
        }
    };
}

/// The runtime still runs new tasks and blocking jobs.
pub fn assert_serving(rt: &runtime::Runtime) {
    let answer = rt.block_on(async {
        let a = runtime::spawn(async {
            runtime::task::yield_now().await;
            40
        });
        let b = runtime::spawn_blocking(|| 2);
        a.await.unwrap() + b.await.unwrap()
    });
    assert_eq!(answer, 42);
}

/// Makes the tests of one binary that touch process-wide state (signal
/// handlers, a SIGINT that ends any `run_forever`) take turns: each holds
/// the guard while it runs. A test that failed while holding it does not
/// fail the others.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Counts how many times values made by it were dropped.
#[derive(Clone, Default)]
pub struct DropCounter(pub Arc<AtomicUsize>);

pub struct Tracked(Arc<AtomicUsize>);

impl DropCounter {
    pub fn track(&self) -> Tracked {
        Tracked(self.0.clone())
    }
    pub fn get(&self) -> usize {
        self.0.load(SeqCst)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A future that is pending forever, counting its polls.
pub struct Forever {
    pub polls: Arc<AtomicUsize>,
}

impl Future for Forever {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        self.polls.fetch_add(1, SeqCst);
        Poll::Pending
    }
}

/// Waits (generously) until `cond` holds, yielding to the runtime meanwhile.
pub async fn eventually(mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "condition never became true"
        );
        runtime::task::yield_now().await;
    }
}

/// Waits (generously) on this OS thread until `cond` holds.
pub fn wait_until(mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "condition never became true"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// Runs `f` on its own thread; fails the test instead of hanging if it has
/// not finished within `secs` seconds. A panic in `f` is re-raised.
pub fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    let t = std::thread::spawn(move || {
        let out = f();
        let _ = tx.send(());
        out
    });
    match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(()) => t.join().unwrap(),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match t.join() {
            Ok(out) => out,
            Err(p) => std::panic::resume_unwind(p),
        },
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("hung: not finished after {secs} s")
        }
    }
}

pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

/// Descriptors this process may open: the soft limit raised to the hard
/// limit, so a test of many sockets does not fail on a low default.
pub fn raise_fd_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid rlimit to fill and then to set.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        if lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        }
    }
    lim.rlim_cur
}

/// A `tracing` subscriber that shows nothing: `Silent(true)` takes every
/// event, `Silent(false)` wants none. Either way one is installed, so the
/// runtime's reports go to it and not to stderr.
pub struct Silent(pub bool);

impl tracing::Subscriber for Silent {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        self.0
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}
