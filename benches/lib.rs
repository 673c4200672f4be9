//! Benchmarks of `runtime` side by side with tokio: run them with
//! `cargo bench -p runtime-benches --features bench` (or `benches/report.sh` for the table in
//! BENCHMARKS.md). The benchmarks are the bench targets and examples of this
//! package, kept out of the `runtime` package so that the tour and the tests
//! never compile criterion or tokio's runtime; this library holds what they
//! share.

/// Worker threads for every runtime a benchmark builds: `BENCH_WORKERS`
/// (a positive number), default 2 (the machine has 2 cores).
pub fn workers() -> usize {
    std::env::var("BENCH_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .filter(|&w| w > 0)
        .unwrap_or(2)
}
