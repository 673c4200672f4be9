//! Runtime create-and-drop in a loop with tasks pending each time: no thread
//! and no allocation outlives a runtime.
//!
//! This binary holds a single test on purpose: threads are counted through
//! `/proc/self/task` and allocations through the counting global allocator
//! below, and another test running alongside would disturb both counts.
//!
//! `LIFECYCLE_CYCLES=<n>` sets the number of cycles (default 200; the full
//! run is 1 000). `STRESS_SCALE=<n>` multiplies the default.

mod common;

use common::{rt, DropCounter};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

/// Counts live allocations and live bytes on top of the system allocator.
struct Counting;

static LIVE_ALLOCS: AtomicIsize = AtomicIsize::new(0);
static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees hold; the counters have no effect on
// the memory returned.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged (see the impl's comment).
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE_ALLOCS.fetch_add(1, SeqCst);
            LIVE_BYTES.fetch_add(layout.size() as isize, SeqCst);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE_ALLOCS.fetch_add(1, SeqCst);
            LIVE_BYTES.fetch_add(layout.size() as isize, SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) };
        LIVE_ALLOCS.fetch_sub(1, SeqCst);
        LIVE_BYTES.fetch_sub(layout.size() as isize, SeqCst);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(new_size as isize - layout.size() as isize, SeqCst);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> (isize, isize) {
    (LIVE_ALLOCS.load(SeqCst), LIVE_BYTES.load(SeqCst))
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

fn cycles() -> usize {
    if let Some(n) = std::env::var("LIFECYCLE_CYCLES")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return n;
    }
    let scale: usize = std::env::var("STRESS_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or(1);
    200 * scale
}

/// Waits up to 5 s for `cond`: a thread that was told to exit may need a
/// moment to leave `/proc/self/task` if nobody joins it.
fn settles(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cond() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

/// Builds a runtime (alternating flavors), leaves a mix of tasks pending,
/// and drops it. Returns how many tracked futures it spawned.
fn cycle(i: usize, drops: &DropCounter) -> usize {
    let rt = if i % 2 == 0 {
        rt::multi(2)
    } else {
        rt::current()
    };
    let mut tracked = 0;
    // Spawned from outside, never polled on the current-thread flavor.
    for _ in 0..4 {
        let t = drops.track();
        drop(rt.spawn(async move {
            let _t = t;
            std::future::pending::<()>().await;
        }));
        tracked += 1;
    }
    let d = drops.clone();
    let (n, held) = rt.block_on(async move {
        let mut n = 0;
        let mut held = Vec::new();
        // Pending on a timer far away.
        for _ in 0..4 {
            let t = d.track();
            held.push(runtime::spawn(async move {
                let _t = t;
                runtime::time::sleep(Duration::from_secs(3600)).await;
            }));
            n += 1;
        }
        // Pending on another pending task (join waker set), detached.
        let t = d.track();
        let inner = runtime::spawn(std::future::pending::<()>());
        drop(runtime::spawn(async move {
            let _t = t;
            let _ = inner.await;
        }));
        n += 1;
        // Pending on a channel whose sender lives in another pending task.
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        let t = d.track();
        drop(runtime::spawn(async move {
            let _t = t;
            let _ = rx.await;
        }));
        let t = d.track();
        drop(runtime::spawn(async move {
            let _t = t;
            let _tx = tx;
            std::future::pending::<()>().await;
        }));
        n += 2;
        // A finished blocking job and a finished task, output never read.
        held.push(runtime::spawn(async {
            runtime::spawn_blocking(|| ()).await.unwrap()
        }));
        held.push(runtime::spawn(async {}));
        // Let everything be polled at least once.
        for _ in 0..4 {
            runtime::task::yield_now().await;
        }
        (n, held)
    });
    tracked += n;
    // Some JoinHandles outlive the runtime: dropped after it, outside it.
    drop(rt);
    drop(held);
    tracked
}

#[test]
fn create_and_drop_in_a_loop_leaks_no_thread_and_no_allocation() {
    // A subscriber that wants no event. Each cycle drops a runtime with
    // tasks pending on purpose; without a subscriber the runtime would print
    // that report to stderr, into the test harness's output capture, whose
    // growing buffer this test would count as leaked memory.
    tracing::subscriber::set_global_default(common::Silent(false)).unwrap();
    let n = cycles();
    let drops = DropCounter::default();
    let before_any_runtime = threads();

    // Warm up lazily initialised statics (thread-locals of this thread,
    // tracing's callsite registry, std's thread-name and panic machinery,
    // and the process's one slow-poll watchdog thread, which stays).
    let mut expected = 0;
    for i in 0..10 {
        expected += cycle(i, &drops);
    }
    let threads_before = before_any_runtime + 1;
    assert!(settles(|| threads() == threads_before));
    let (allocs_before, bytes_before) = live();

    let start = Instant::now();
    for i in 0..n {
        expected += cycle(i, &drops);
    }
    let elapsed = start.elapsed();

    let thread_ok = settles(|| threads() == threads_before);
    assert!(
        thread_ok,
        "threads outlived their runtimes: {} before, {} after {n} cycles",
        threads_before,
        threads()
    );
    assert_eq!(
        drops.get(),
        expected,
        "every future is dropped exactly once"
    );
    // Allow a small constant for lazily grown statics (seen: up to ~10
    // allocations, ~18 KiB, once, whatever the cycle count); a leak of even
    // one allocation per cycle would show up `n` (>= 200) times over.
    let leaked_ok = settles(|| {
        let (a, b) = live();
        a - allocs_before <= 32 && b - bytes_before <= 64 * 1024
    });
    let (allocs_after, bytes_after) = live();
    assert!(
        leaked_ok,
        "allocations outlived their runtimes after {n} cycles: {} allocations, {} bytes",
        allocs_after - allocs_before,
        bytes_after - bytes_before
    );
    eprintln!(
        "{n} cycles in {elapsed:?}; live allocations {allocs_before} -> {allocs_after}, \
         bytes {bytes_before} -> {bytes_after}"
    );
}
