#![doc = include_str!("../docs/io.md")]

#[doc(no_inline)]
pub use tokio::io::*;

mod ready;

pub use ready::{Interest, Ready};
