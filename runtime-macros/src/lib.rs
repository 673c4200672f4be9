//! The `#[runtime::main]` and `#[runtime::test]` attributes of the
//! [`runtime`](https://docs.rs/runtime) crate: asyncio's `asyncio.run(main())`
//! as an attribute.
//!
//! Use them through the `runtime` crate (`#[runtime::main]`), not from this
//! crate directly. Both turn an `async fn` into a plain `fn` that builds a
//! runtime with `runtime::Builder` and blocks on the function's body:
//!
//! ```text
//! #[runtime::main(worker_threads = 2)]
//! async fn main() -> Result<(), E> { body }
//! ```
//! becomes
//! ```text
//! fn main() -> Result<(), E> {
//!     let body = async move { body };
//!     #[allow(clippy::expect_used)]
//!     let rt = ::runtime::Builder::new_multi_thread()
//!         .worker_threads(2)
//!         .build()
//!         .expect("failed to build the runtime");
//!     rt.block_on(body)
//! }
//! ```
//!
//! The function keeps its attributes, visibility and signature (minus
//! `async`); its body becomes an `async move` block, so `?`, `return` and
//! `Result` return types work as in any `async fn`.
//!
//! # Arguments
//!
//! | argument | `main` | `test` | effect |
//! | --- | --- | --- | --- |
//! | `flavor = "multi_thread"` | default | | `Builder::new_multi_thread()` |
//! | `flavor = "current_thread"` | | default | `Builder::new_current_thread()` |
//! | `worker_threads = N` | yes | yes | `.worker_threads(N)`; multi-thread flavor only, `N >= 1` |
//! | `max_blocking_threads = N` | yes | yes | `.max_blocking_threads(N)`, `N >= 1` |
//! | `start_paused = true` | | yes | `.start_paused(true)`: virtual time that jumps to the next timer |
//! | `tokio_bridge` | yes | yes | `.tokio_bridge()`: tokio's runtime context for crates wired to it (feature `tokio-bridge` of `runtime`) |
//! | `crate = "path"` | yes | yes | uses `path` instead of `::runtime` (renamed dependency) |
//!
//! # Errors
//!
//! Misuse is a compile error on the offending token that says what to write
//! instead: a missing `async`, arguments on `main`, an unknown argument (with
//! the closest valid one suggested and all valid ones listed), an argument
//! given twice, a value of the wrong type, `worker_threads` on the
//! current-thread flavor, `worker_threads = 0`, an unknown flavor. The
//! function is still emitted next to the error, so IDEs keep working on it.
//!
//! The macros' examples are doctests, compiled and run against `runtime`
//! (a dev-dependency: Cargo allows that cycle); more programs like them are
//! run by the `runtime` crate's tests, and the trybuild cases of
//! both kinds are in the workspace's `ui/` package.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod args;
mod expand;
mod suggest;

use args::Kind;

/// Runs an `async fn main` on a new runtime: a multi-thread, work-stealing
/// runtime with one worker per CPU core unless told otherwise.
///
/// ```
/// #[runtime::main]
/// async fn main() {
///     let answer = runtime::spawn(async { 6 * 7 }).await.unwrap();
///     assert_eq!(answer, 42);
/// }
/// ```
///
/// `main` may return a `Result`, and `?` works in its body:
///
/// ```
/// #[runtime::main(worker_threads = 2)]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let n: u32 = "7".parse()?;
///     let doubled = runtime::spawn(async move { n * 2 }).await?;
///     assert_eq!(doubled, 14);
///     Ok(())
/// }
/// ```
///
/// # Arguments
///
/// - `flavor = "multi_thread"` (default) or `flavor = "current_thread"`: the
///   scheduler; `current_thread` runs every task on the `main` thread, in FIFO
///   order, like asyncio's event loop.
/// - `worker_threads = N`: number of worker threads (multi-thread flavor only;
///   `N >= 1`; default: the number of CPU cores).
/// - `max_blocking_threads = N`: the most threads the blocking pool
///   (`spawn_blocking`) may start (`N >= 1`).
/// - `tokio_bridge`: `Builder::tokio_bridge()`, for crates that call tokio's
///   runtime directly (reqwest, sqlx, tonic's `Channel`); needs `runtime`'s
///   `tokio-bridge` feature (without it, a compile error says so).
/// - `crate = "path"`: the path of the `runtime` crate, when it is renamed in
///   `Cargo.toml` or re-exported by another crate.
///
/// ```
/// extern crate runtime as rt;
///
/// #[rt::main(flavor = "current_thread", crate = "rt")]
/// async fn main() {
///     assert_eq!(rt::spawn(async { "hi" }).await.unwrap(), "hi");
/// }
/// ```
///
/// The attribute also works on an `async fn` other than `main` (which may
/// then take arguments): calling it blocks on a new runtime.
///
/// # Panics
///
/// The generated `main` panics if the runtime cannot be built (for example
/// when the OS refuses to start its threads), with the builder's error.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Main, args.into(), item.into()).into()
}

/// Runs an `async fn` test on a new runtime: a current-thread runtime
/// (deterministic, FIFO) unless told otherwise. Each test gets its own runtime.
///
/// ```
/// #[runtime::test]
/// async fn spawned_tasks_run() {
///     let handle = runtime::spawn(async { 1 + 1 });
///     assert_eq!(handle.await.unwrap(), 2);
/// }
///
/// #[runtime::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn on_two_workers() -> Result<(), Box<dyn std::error::Error>> {
///     let n = runtime::spawn(async { 21 * 2 }).await?;
///     assert_eq!(n, 42);
///     Ok(())
/// }
///
/// #[runtime::test]
/// #[should_panic(expected = "boom")]
/// async fn panics() {
///     panic!("boom");
/// }
/// # fn main() {}
/// ```
///
/// It adds `#[test]` itself (do not add another), and works beside
/// `#[should_panic]`, `#[ignore]` and with `Result` returns.
///
/// # Arguments
///
/// - `flavor = "current_thread"` (default) or `flavor = "multi_thread"`.
/// - `worker_threads = N`: needs `flavor = "multi_thread"`; `N >= 1`.
/// - `max_blocking_threads = N`: the blocking pool's thread limit (`N >= 1`).
/// - `start_paused = true`: start with the runtime's clock paused, so time
///   jumps to the next timer whenever every task is idle (a test of
///   `sleep(1h)` takes microseconds).
/// - `tokio_bridge`: `Builder::tokio_bridge()` (feature `tokio-bridge`).
/// - `crate = "path"`: the path of the `runtime` crate, when renamed.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Test, args.into(), item.into()).into()
}
