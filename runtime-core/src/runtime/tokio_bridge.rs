//! The tokio bridge (feature `tokio-bridge`): one tokio runtime for the
//! process, whose context this runtime enters on its own threads, for
//! crates that call tokio's runtime directly and cannot be pointed
//! elsewhere (reqwest, sqlx's pool, tonic's `Channel`).
//!
//! What runs where. Such a crate's futures are polled by whoever awaits
//! them: this runtime's workers. What they need from tokio's runtime comes
//! from the bridge: `tokio::net` sockets register with the bridge's
//! reactor, `tokio::time` sleeps with its timer, and whatever the crate
//! itself `tokio::spawn`s (hyper-util's connection tasks inside reqwest,
//! sqlx's pool maintenance) runs on the bridge's worker threads. The
//! bridge's threads drive its reactor and timer and wake our tasks across
//! threads.
//!
//! Where the context is entered: wherever this runtime makes itself current
//! on a thread (`context::EnterGuard` carries the bridge's guard beside its
//! own), which is every worker thread for its whole life, the thread in
//! `block_on`, every blocking-pool job (and so every `block_in_place`
//! replacement worker), `Handle::enter`, and the drop of the tasks at
//! shutdown. No per-poll cost: a worker enters once.
//!
//! One bridge per process: the first runtime built with it starts it (a
//! multi-thread tokio runtime with its I/O and time drivers, `threads`
//! workers named `tokio-bridge-N`); later ones share it. It is never shut
//! down: its threads end with the process (a runtime dropped and built
//! again finds it running).
//!
//! The one process-wide static is a std `Mutex`, not the `crate::loom`
//! shim's: it is set once per process and never modelled by loom (this
//! feature is not built under `cfg(loom)`).

use std::io;
use std::sync::{Mutex, PoisonError};

/// The bridge's runtime and its worker count, once started.
static BRIDGE: Mutex<Option<(&'static tokio::runtime::Runtime, usize)>> = Mutex::new(None);

/// Starts the process's bridge, or returns the running one. `threads`:
/// its worker count (default: the number of CPU cores). A count different
/// from the running bridge's is reported and ignored.
pub(crate) fn start(threads: Option<usize>) -> io::Result<&'static tokio::runtime::Handle> {
    if threads == Some(0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "tokio_bridge_threads(0): the tokio bridge needs at least 1 thread to drive its \
             reactor and timer and run what the bridged crates spawn; leave it unset for one \
             per CPU core",
        ));
    }
    let mut bridge = BRIDGE.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((rt, running)) = *bridge {
        if let Some(wanted) = threads.filter(|&n| n != running) {
            tracing::warn!(
                "tokio_bridge_threads({wanted}) ignored: the process's tokio bridge is already \
                 running with {running} threads (one bridge per process; the first runtime \
                 built with it sets its size)"
            );
        }
        return Ok(rt.handle());
    }
    let n = threads.unwrap_or_else(|| num_cpus::get().max(1));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(n)
        .thread_name_fn(|| {
            use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            format!("tokio-bridge-{}", NEXT.fetch_add(1, Relaxed))
        })
        .enable_all()
        .build()?;
    // Leaked on purpose: one per process, alive as long as it is.
    let rt: &'static tokio::runtime::Runtime = Box::leak(Box::new(rt));
    *bridge = Some((rt, n));
    Ok(rt.handle())
}
