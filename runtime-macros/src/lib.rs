//! `#[runtime::main]` and `#[runtime::test]` (placeholder while the crate is written).
