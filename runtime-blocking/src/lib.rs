//! A blocking thread pool whose jobs complete as futures usable from any executor.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;

pub use error::{Id, JoinError};
