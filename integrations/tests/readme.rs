//! The README's "Using the ecosystem" programs are the examples in
//! `integrations/examples/` minus their self-test parts: every line of each
//! README block must appear, in order, in the example file named by the
//! `<!-- example: PATH -->` comment above the block. (The README is
//! doctested by the `runtime` package without these features, so its
//! blocks are `ignore`d there; this keeps them true.)

use std::path::Path;

fn significant(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn readme_examples_are_the_example_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut checked = 0;
    let mut rest = readme.as_str();
    while let Some(at) = rest.find("<!-- example: ") {
        rest = &rest[at + "<!-- example: ".len()..];
        let path = &rest[..rest.find(" -->").unwrap()];
        let open = rest.find("```rust,ignore\n").unwrap() + "```rust,ignore\n".len();
        let close = open + rest[open..].find("\n```\n").unwrap();
        let block = &rest[open..close];
        let file = std::fs::read_to_string(root.join(path))
            .unwrap_or_else(|e| panic!("{path}, named in the README: {e}"));
        let file_lines = significant(&file);
        let mut next = 0;
        for line in significant(block) {
            match file_lines[next..].iter().position(|l| *l == line) {
                Some(i) => next += i + 1,
                None => panic!(
                    "the README's block for {path} has a line that {path} does not have \
                     (in this order): {line:?}"
                ),
            }
        }
        checked += 1;
        rest = &rest[close..];
    }
    assert_eq!(
        checked, 4,
        "the README should show the four ecosystem examples"
    );
}
