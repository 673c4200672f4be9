//! The signal layer of the driver stack (`crate::driver`): above time,
//! below the children's layer. The reactor knows the signal pipe only
//! as its *self-pipe*; this layer is what reads it.

use super::registry;
use crate::reactor;
use crate::time::driver::Driver as TimeDriver;
use std::time::Duration;

/// A turn of the layers below; then, if the signal pipe was readable,
/// dispatches the signals that arrived (drains the pipe, wakes their
/// listeners).
pub(crate) fn turn(
    time: &TimeDriver,
    poller: &mut reactor::Driver,
    io: &reactor::Handle,
    max: Option<Duration>,
) -> reactor::Turn {
    let turn = time.turn(poller, io, max);
    if turn.self_pipe {
        registry::dispatch_now();
    }
    turn
}

/// The runtime shuts down: its reactor fails every resource from now on,
/// and if the signal pipe was registered with it, every signal listener is
/// woken to see whether its runtime is gone (they wait on the program-wide
/// lists, not on a slot of the reactor).
pub(crate) fn shutdown(io: &reactor::Handle) {
    if io.shutdown() {
        registry::wake_all();
    }
}
