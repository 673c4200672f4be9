//! Benchmarks of `runtime` side by side with tokio: run them with
//! `cargo bench -p runtime-benches` (or `benches/report.sh` for the table in
//! BENCHMARKS.md). This library is empty; the benchmarks are the bench
//! targets of this package, kept out of the `runtime` package so that the
//! tour and the tests never compile criterion or tokio's runtime.
