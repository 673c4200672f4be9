//! loom models of the crate's protocols (built only with `--cfg loom`), in
//! one place as tokio keeps them (`runtime/tests/loom_*.rs`). Each calls
//! the product's own code, never a copy of it, and names the bug it would
//! catch.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release
//! -p runtime-core loom`.

mod loom_block_in_place;
mod loom_idle;
mod loom_io;
mod loom_lifo;
mod loom_rescue;
mod loom_task;
