#![doc = include_str!("docs/sync.md")]

#[doc(no_inline)]
pub use tokio::sync::*;
