//! `JoinError` and `Id` are defined once, in `runtime-blocking` (the lowest
//! crate), so a failed async task and a failed blocking job are one type.
pub use runtime_blocking::{Id, JoinError};
