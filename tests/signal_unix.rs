//! Unix signals: every listener woken, deliveries kept between `recv`s,
//! forbidden signals refused, shutdown never hangs.
//!
//! Signals belong to the process, so the tests of this binary take turns
//! (`serial`) and use only SIGUSR1, SIGUSR2 and real-time signals, whose
//! handlers they install before raising them. SIGINT lives in
//! `tests/signal_ctrl_c.rs`.

mod common;

use common::{rt, serial};
use runtime::signal::unix::{signal, Signal, SignalKind};
use runtime::time::{sleep, timeout};
use std::io::ErrorKind;
use std::time::Duration;

/// Sends `sig` to this thread (the handler runs before `raise` returns).
fn raise(sig: libc::c_int) {
    // SAFETY: raising a signal whose handler the test installed.
    assert_eq!(unsafe { libc::raise(sig) }, 0);
}

/// Sends `sig` to the process (any thread may take it).
fn kill_self(sig: libc::c_int) {
    // SAFETY: as `raise`; kill(2) touches no memory.
    assert_eq!(unsafe { libc::kill(libc::getpid(), sig) }, 0);
}

/// Long enough for a delivery to be dispatched if one were coming.
const QUIET: Duration = Duration::from_millis(100);

/// The listener has nothing to receive now.
async fn assert_quiet(sig: &mut Signal) {
    assert!(
        timeout(QUIET, sig.recv()).await.is_err(),
        "{sig:?} received a delivery it should not see"
    );
}

/// Receives within a generous bound (a hang fails instead of blocking).
async fn recv(sig: &mut Signal) {
    let got = timeout(Duration::from_secs(30), sig.recv()).await;
    assert_eq!(got, Ok(Some(())), "{sig:?} never received");
}

both_flavors!(raised_sigusr1_wakes_every_listener, |rt| {
    let _serial = serial();
    rt.block_on(async {
        let mut listeners = Vec::new();
        for _ in 0..4 {
            listeners.push(signal(SignalKind::user_defined1()).unwrap());
        }
        let mut mine = signal(SignalKind::user_defined1()).unwrap();
        let tasks: Vec<_> = listeners
            .into_iter()
            .map(|mut sig| runtime::spawn(async move { recv(&mut sig).await }))
            .collect();
        // Every task waits before the signal comes.
        sleep(Duration::from_millis(20)).await;
        raise(libc::SIGUSR1);
        recv(&mut mine).await;
        for t in tasks {
            t.await.unwrap();
        }
    });
});

both_flavors!(kill_wakes_a_listener_whichever_thread_takes_it, |rt| {
    let _serial = serial();
    rt.block_on(async {
        let mut sig = signal(SignalKind::user_defined2()).unwrap();
        let waiter = runtime::spawn(async move {
            recv(&mut sig).await;
            sig
        });
        sleep(Duration::from_millis(20)).await;
        kill_self(libc::SIGUSR2);
        let mut sig = waiter.await.unwrap();
        assert_quiet(&mut sig).await;
    });
});

both_flavors!(two_signals_in_a_row_both_arrive, |rt| {
    let _serial = serial();
    rt.block_on(async {
        let mut sig = signal(SignalKind::user_defined1()).unwrap();
        for _ in 0..2 {
            raise(libc::SIGUSR1);
            recv(&mut sig).await;
        }
        assert_quiet(&mut sig).await;
    });
});

both_flavors!(a_signal_between_two_recvs_is_not_lost, |rt| {
    let _serial = serial();
    rt.block_on(async {
        let mut sig = signal(SignalKind::user_defined1()).unwrap();
        raise(libc::SIGUSR1);
        recv(&mut sig).await;
        // Nobody waits now; the delivery is dispatched meanwhile.
        raise(libc::SIGUSR1);
        sleep(QUIET).await;
        recv(&mut sig).await;
    });
});

both_flavors!(deliveries_while_busy_are_kept_as_one, |rt| {
    let _serial = serial();
    rt.block_on(async {
        let mut sig = signal(SignalKind::user_defined2()).unwrap();
        for _ in 0..3 {
            raise(libc::SIGUSR2);
            sleep(Duration::from_millis(10)).await;
        }
        recv(&mut sig).await;
        assert_quiet(&mut sig).await;
    });
});

both_flavors!(a_listener_made_after_a_delivery_does_not_see_it, |rt| {
    let _serial = serial();
    rt.block_on(async {
        let mut early = signal(SignalKind::user_defined1()).unwrap();
        raise(libc::SIGUSR1);
        recv(&mut early).await;
        let mut late = signal(SignalKind::user_defined1()).unwrap();
        assert_quiet(&mut late).await;

        // Raised (its handler ran) but not yet dispatched when the listener
        // is made: still before it.
        raise(libc::SIGUSR1);
        let mut later = signal(SignalKind::user_defined1()).unwrap();
        assert_quiet(&mut later).await;
        recv(&mut early).await;
    });
});

both_flavors!(listeners_of_different_signals_are_independent, |rt| {
    let _serial = serial();
    rt.block_on(async {
        let rt_signal = libc::SIGRTMIN() + 3;
        let mut a = signal(SignalKind::from_raw(rt_signal)).unwrap();
        let mut b = signal(SignalKind::user_defined2()).unwrap();
        raise(rt_signal);
        recv(&mut a).await;
        assert_quiet(&mut b).await;
        assert_eq!(a.kind().to_string(), "SIGRTMIN+3");
    });
});

#[test]
fn a_listener_polled_on_another_runtime_is_served_there() {
    let _serial = serial();
    // Made on `home`, which then never runs again.
    let home = rt::current();
    let mut sig = home
        .block_on(async { signal(SignalKind::user_defined1()) })
        .unwrap();
    let away = rt::multi(2);
    away.block_on(async {
        let waiter = runtime::spawn(async move { recv(&mut sig).await });
        sleep(Duration::from_millis(20)).await;
        raise(libc::SIGUSR1);
        waiter.await.unwrap();
    });
}

#[test]
fn forbidden_and_unknown_signals_are_errors_naming_them() {
    let _serial = serial();
    let rt = rt::current();
    rt.block_on(async {
        for (signum, name) in [
            (libc::SIGKILL, "SIGKILL"),
            (libc::SIGSTOP, "SIGSTOP"),
            (libc::SIGILL, "SIGILL"),
            (libc::SIGFPE, "SIGFPE"),
            (libc::SIGSEGV, "SIGSEGV"),
            (0, "signal 0"),
            (-1, "signal -1"),
            (65, "signal 65"),
            (1000, "signal 1000"),
        ] {
            let err = signal(SignalKind::from_raw(signum)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
            assert!(err.to_string().contains(name), "{name}: {err}");
        }
        // glibc keeps these two for itself: the OS refuses, and says which.
        let err = signal(SignalKind::from_raw(32)).unwrap_err();
        assert!(err.to_string().contains("signal 32"), "{err}");
    });
}

#[test]
fn signal_outside_a_runtime_is_an_error() {
    let _serial = serial();
    let err = signal(SignalKind::user_defined1()).unwrap_err();
    assert!(err.to_string().contains("outside a runtime"), "{err}");
    // A forbidden signal is refused for what it is, runtime or not.
    let err = signal(SignalKind::from_raw(libc::SIGKILL)).unwrap_err();
    assert!(err.to_string().contains("SIGKILL"), "{err}");
}

both_flavors!(recv_after_shutdown_returns_none_instead_of_hanging, |rt| {
    let _serial = serial();
    let handle = rt.handle().clone();
    let (mut waiting, mut idle) = rt.block_on(async {
        (
            signal(SignalKind::user_defined2()).unwrap(),
            signal(SignalKind::user_defined2()).unwrap(),
        )
    });
    // One listener already waits (on another executor) when the runtime goes.
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        futures::executor::block_on(futures::future::poll_fn(|cx| {
            let p = waiting.poll_recv(cx);
            let _ = tx.send(());
            p
        }))
    });
    rx.recv().unwrap();
    drop(rt);
    assert_eq!(common::within(30, move || waiter.join().unwrap()), None);
    let idle_recv = common::within(30, move || futures::executor::block_on(idle.recv()));
    assert_eq!(idle_recv, None);
    // And no new listener on the dead runtime.
    let _enter = handle.enter();
    let err = signal(SignalKind::user_defined2()).unwrap_err();
    assert!(err.to_string().contains("shut down"), "{err}");
});
