//! The task combinators beside their nearest tokio / futures equivalents.
//!
//! Groups (functions `runtime` and the competitor's name):
//! * `gather_1000_ready`: `task::gather` vs `futures::future::join_all` of
//!   1 000 futures that are ready at their first poll;
//! * `gather_1000_yield_once`: the same with futures that yield once first
//!   (every one is woken, so the per-future wakers work);
//! * `as_completed_1000`: `task::as_completed` vs a `FuturesUnordered`;
//! * `as_completed_limit_64`: `as_completed(..).limit(64)` vs
//!   `stream::iter(..).buffer_unordered(64)` over 10 000 inputs;
//! * `join_set_1000`: `task::JoinSet` vs `tokio::task::JoinSet`, 1 000
//!   spawned tasks joined, each on its own runtime with 2 workers.
//!
//! The in-task combinators (all but `join_set_1000`) run both sides inside
//! this runtime's `block_on`, so only the combinator differs. Runtimes are
//! built once, outside the timed loop.
//!
//! ```text
//! cargo bench -p runtime-benches --features bench --bench combinators
//! ```

use criterion::measurement::WallTime;
use criterion::{black_box, BenchmarkGroup, Criterion};
use futures::stream::{self, FuturesUnordered, StreamExt};
use runtime::task;
use std::time::Duration;

const WORKERS: usize = 2;
const N: usize = 1_000;
const LIMITED: usize = 10_000;

fn ours() -> runtime::Runtime {
    runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .build()
        .unwrap()
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .build()
        .unwrap()
}

/// Ready at its second poll: wakes itself once first.
async fn yield_once(i: usize) -> usize {
    task::yield_now().await;
    i
}

fn configure<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    g
}

fn gather(c: &mut Criterion) {
    let rt = ours();

    let mut g = configure(c, "gather_1000_ready");
    g.bench_function("runtime", |b| {
        b.iter(|| rt.block_on(task::gather((0..N).map(|i| async move { black_box(i) }))))
    });
    g.bench_function("futures_join_all", |b| {
        b.iter(|| {
            rt.block_on(futures::future::join_all(
                (0..N).map(|i| async move { black_box(i) }),
            ))
        })
    });
    g.finish();

    let mut g = configure(c, "gather_1000_yield_once");
    g.bench_function("runtime", |b| {
        b.iter(|| rt.block_on(task::gather((0..N).map(yield_once))))
    });
    g.bench_function("futures_join_all", |b| {
        b.iter(|| rt.block_on(futures::future::join_all((0..N).map(yield_once))))
    });
    g.finish();
}

fn as_completed(c: &mut Criterion) {
    let rt = ours();

    let mut g = configure(c, "as_completed_1000");
    g.bench_function("runtime", |b| {
        b.iter(|| {
            rt.block_on(
                task::as_completed((0..N).map(|i| async move { black_box(i) }))
                    .fold(0, |acc, (_, i)| async move { acc + i }),
            )
        })
    });
    g.bench_function("futures_unordered", |b| {
        b.iter(|| {
            rt.block_on(
                (0..N)
                    .map(|i| async move { black_box(i) })
                    .collect::<FuturesUnordered<_>>()
                    .fold(0, |acc, i| async move { acc + i }),
            )
        })
    });
    g.finish();

    let mut g = configure(c, "as_completed_limit_64");
    g.bench_function("runtime", |b| {
        b.iter(|| {
            rt.block_on(
                task::as_completed((0..LIMITED).map(yield_once))
                    .limit(64)
                    .fold(0, |acc, (_, i)| async move { acc + i }),
            )
        })
    });
    g.bench_function("futures_buffer_unordered", |b| {
        b.iter(|| {
            rt.block_on(
                stream::iter((0..LIMITED).map(yield_once))
                    .buffer_unordered(64)
                    .fold(0, |acc, i| async move { acc + i }),
            )
        })
    });
    g.finish();
}

fn join_set(c: &mut Criterion) {
    let mut g = configure(c, "join_set_1000");

    let rt = ours();
    g.bench_function("runtime", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut set = task::JoinSet::new();
                for i in 0..N {
                    set.spawn(async move { black_box(i) });
                }
                let mut sum = 0;
                while let Some(r) = set.join_next().await {
                    sum += r.unwrap();
                }
                sum
            })
        })
    });
    drop(rt);

    let rt = tokio_rt();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut set = tokio::task::JoinSet::new();
                for i in 0..N {
                    set.spawn(async move { black_box(i) });
                }
                let mut sum = 0;
                while let Some(r) = set.join_next().await {
                    sum += r.unwrap();
                }
                sum
            })
        })
    });
    drop(rt);
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    gather(&mut c);
    as_completed(&mut c);
    join_set(&mut c);
    c.final_summary();
}
