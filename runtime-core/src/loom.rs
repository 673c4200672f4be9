//! The door to synchronization primitives: `runtime-blocking`'s shim
//! (`std` normally, `loom` under `--cfg loom`), one for both crates; its
//! docs give the poison policy, which this crate follows through
//! [`lock`] and
//! [`wait_until`].

pub(crate) use runtime_blocking::loom::*;
