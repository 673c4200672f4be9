//! The runtimes most tests run on. A test that needs other settings (a
//! slow-poll threshold, thread names, hooks, limits) builds its own.

/// A current-thread runtime.
#[track_caller]
pub fn current() -> runtime::Runtime {
    runtime::Builder::new_current_thread().build().unwrap()
}

/// A multi-thread runtime with `workers` worker threads.
#[track_caller]
pub fn multi(workers: usize) -> runtime::Runtime {
    runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .unwrap()
}

/// A current-thread runtime whose clock starts paused: time moves only when
/// every task is idle (to the next timer) or by `time::advance`.
#[track_caller]
pub fn paused() -> runtime::Runtime {
    runtime::Builder::new_current_thread()
        .start_paused(true)
        .build()
        .unwrap()
}
