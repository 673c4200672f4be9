//! Doc examples a user of `runtime` sees compile when pasted into a crate
//! that depends on `runtime` alone.
//!
//! The items of `runtime-core`, `runtime-blocking` and `runtime-macros` are
//! shown on the `runtime` crate's pages, examples included. Those crates
//! have `runtime` as a dev-dependency, so their doctests compile with
//! `runtime::` paths — but they would compile with `runtime_core::` or
//! `futures_util::` paths too, since a doctest sees every dependency of its
//! crate. This test reads the examples and refuses names a `runtime` user
//! does not have.

use std::path::{Path, PathBuf};

/// Crates a user of `runtime` alone cannot name.
const FOREIGN: &[&str] = &[
    "runtime_core::",
    "runtime_blocking::",
    "futures_util::",
    "futures_core::",
    "futures::",
    "tracing::",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `(line number, line)` of every line inside a ```` ``` ```` block of the
/// doc comments of `source`. The crate roots' own `//!` docs are left out:
/// they introduce `runtime-core`, `runtime-blocking` and `runtime-macros` as
/// crates of their own, and `runtime`'s pages do not show them.
fn example_lines(source: &str, crate_root: bool) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_code = false;
    for (i, line) in source.lines().enumerate() {
        let t = line.trim_start();
        let doc = if let Some(rest) = t.strip_prefix("///") {
            rest
        } else if let Some(rest) = t.strip_prefix("//!") {
            if crate_root {
                continue;
            }
            rest
        } else {
            in_code = false;
            continue;
        };
        if doc.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            out.push((i + 1, doc.to_string()));
        }
    }
    out
}

#[test]
fn doc_examples_name_only_the_runtime_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("runtime-core/src"), &mut files);
    rust_files(&root.join("runtime-blocking/src"), &mut files);
    rust_files(&root.join("runtime-macros/src"), &mut files);
    files.push(root.join("src/lib.rs"));
    assert!(files.len() > 50, "found only {} files", files.len());
    let mut bad = Vec::new();
    let mut examples = 0;
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        let crate_root = ["runtime-core", "runtime-blocking", "runtime-macros"]
            .iter()
            .any(|c| file.ends_with(format!("{c}/src/lib.rs")));
        for (n, line) in example_lines(&source, crate_root) {
            examples += 1;
            for name in FOREIGN {
                if line.contains(name) {
                    bad.push(format!("{}:{n}: {}", file.display(), line.trim()));
                }
            }
        }
    }
    assert!(examples > 500, "found only {examples} example lines");
    assert!(
        bad.is_empty(),
        "doc examples naming crates a `runtime` user does not depend on \
         (write `runtime::...`):\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_readme_examples_name_only_the_runtime_crate() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let mut in_rust = false;
    for (i, line) in readme.lines().enumerate() {
        if line.starts_with("```") {
            in_rust = line == "```rust";
            continue;
        }
        if in_rust {
            for name in FOREIGN {
                assert!(!line.contains(name), "README.md:{}: {line}", i + 1);
            }
        }
    }
}
