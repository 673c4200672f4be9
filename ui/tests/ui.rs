//! The trybuild cases: `tests/ui/pass/` programs (the expansions of
//! `#[runtime::main]` and `#[runtime::test]`) compile and run;
//! `tests/ui/fail/` ones (misused macros, `!Send` futures and outputs sent
//! where the bounds forbid it) must fail with the checked-in messages.

/// Compiles every case under `tests/ui/`. Regenerate the `.stderr`
/// snapshots with `TRYBUILD=overwrite cargo test -p runtime-ui`,
/// then read each one.
#[test]
fn ui() {
    let flags = std::env::var("RUSTFLAGS").unwrap_or_default();
    if flags.contains("sanitizer") {
        eprintln!(
            "note: skipping the trybuild cases: RUSTFLAGS has a sanitizer, and the case \
             builds would mix it with uninstrumented dependencies"
        );
        return;
    }
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
