//! `JoinError` and `Id` are defined once, in `runtime-blocking/src/error.rs`
//! (the lowest crate), so a failed async task and a failed blocking job are
//! one type; this module only re-exports them.
pub use runtime_blocking::{Id, JoinError};
