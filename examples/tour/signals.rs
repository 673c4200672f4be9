//! `run_forever` and Unix signals.

use crate::{bounded, section};
use runtime::signal::unix::{signal, SignalKind};
use runtime::task::TaskGroup;
use runtime::{time, Handle, Runtime};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `run_forever` until a task stops it; SIGUSR1 to several listeners.
///
/// Last in the tour: once `run_forever` (or any listener) has made the
/// process listen for Ctrl-C, Ctrl-C no longer ends the process by itself.
pub(crate) fn signals_and_run_forever() {
    section(
        "run until stopped",
        "`loop.run_forever()`, ended by `loop.stop()` or Ctrl-C (`KeyboardInterrupt`)",
    );
    const TICKS: usize = 5;
    const EVERY: Duration = Duration::from_millis(20);
    let rt = Runtime::new().unwrap();
    let ticked = Arc::new(AtomicUsize::new(0));
    let counter = ticked.clone();
    rt.spawn(async move {
        let mut every = time::interval(EVERY);
        for _ in 0..TICKS {
            every.tick().await; // the first tick is at once
            counter.fetch_add(1, Ordering::SeqCst);
        }
        Handle::current().stop();
    });
    let start = Instant::now();
    let ended_by = rt.run_forever();
    println!(
        "   a task ticked {} times, {EVERY:?} apart, then called Handle::stop(): run_forever() \
         returned RunForever::{ended_by:?} after {:.0?}",
        ticked.load(Ordering::SeqCst),
        start.elapsed()
    );
    println!(
        "   Ctrl-C ends it with RunForever::CtrlC instead: `cargo run --example boo_baa`, then \
         Ctrl-C (not sent here)\n"
    );

    section(
        "listen for a Unix signal",
        "`loop.add_signal_handler(signal.SIGUSR1, callback)`",
    );
    rt.block_on(bounded(Duration::from_secs(20), async {
        const LISTENERS: usize = 3;
        let mut woken = TaskGroup::new();
        for _ in 0..LISTENERS {
            let mut usr1 = signal(SignalKind::user_defined1())?;
            woken.spawn(async move { usr1.recv().await.map(|()| Instant::now()) });
        }
        let raised = Instant::now();
        // SAFETY: `raise` has no memory-safety preconditions; SIGUSR1 has
        // the runtime's handler now, so it does not end the process.
        unsafe { libc::raise(libc::SIGUSR1) };
        let after: Vec<_> = woken
            .join()
            .await?
            .into_iter()
            .map(|at| match at {
                Some(at) => format!("{:.0?}", at.saturating_duration_since(raised)),
                None => "never (its runtime shut down)".to_string(),
            })
            .collect();
        println!(
            "   {LISTENERS} listeners of SIGUSR1, one libc::raise: each woken, after {}",
            after.join(", ")
        );
        match signal(SignalKind::from_raw(libc::SIGKILL)) {
            Ok(_) => println!("   a SIGKILL listener was made: surprising"),
            Err(e) => println!("   a listener for SIGKILL: Err({:?}: \"{e}\")", e.kind()),
        }
        Ok(())
    }));
    println!(
        "   (from the first run_forever on, this process listens for Ctrl-C: it no longer ends \
         the process by itself, which is why this section comes last)\n"
    );
}
