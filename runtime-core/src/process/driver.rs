//! The process layer of the driver stack ([`crate::driver`]), at its top:
//! after each turn of the layers below, it sweeps the orphan queue
//! ([`super::reap`]) if a `SIGCHLD` was dispatched since its last sweep —
//! whoever dispatched it: this runtime's signal layer, another runtime's,
//! or a new signal listener.

use crate::reactor;
use crate::time::driver::Driver as TimeDriver;
use std::time::Duration;

/// A turn of the layers below, then the orphan sweep if a child exited.
pub(crate) fn turn(
    time: &TimeDriver,
    poller: &mut reactor::Driver,
    io: &reactor::Handle,
    max: Option<Duration>,
) -> reactor::Turn {
    let turn = crate::signal::driver::turn(time, poller, io, max);
    super::reap::sweep_if_child_exited();
    turn
}

/// The runtime shuts down (nothing of this layer's own to stop).
pub(crate) fn shutdown(io: &reactor::Handle) {
    crate::signal::driver::shutdown(io);
}
