//! Every diagnostic code used in the source (the Rust crates' and the Python package's) has an
//! entry in docs/DIAGNOSTICS.md and a test case that triggers it: a `tests/ui` annotation, or
//! (for codes without a source file, such as unreadable paths) a quoted code in a
//! command-line test (`tests/cli.rs`, `tests/ux.rs`, `tests/python.rs`) or in a unit-test
//! module under `src/` (`tests.rs`, e.g. training health's detectors).

use std::path::Path;

fn walk(dir: &Path, ext: &str, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).expect("readable dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(std::fs::read_to_string(&p).expect("readable file"));
        }
    }
}

fn codes_in(text: &str) -> Vec<String> {
    let mut v = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("pdec::") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(tail.len());
        let code = &tail[..end];
        if code.matches("::").count() == 2 && !code.ends_with(':') {
            v.push(code.to_string());
        }
        rest = &tail[end.max(6)..];
    }
    v
}

#[test]
fn every_code_is_documented_and_tested() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut src = Vec::new();
    for dir in ["src", "crates", "python"] {
        walk(&root.join(dir), "rs", &mut src);
    }
    // The Python package's own codes (python/pdec/), raised before Rust is called.
    walk(&root.join("python"), "py", &mut src);
    let mut codes: Vec<String> = src
        .iter()
        .flat_map(|t| {
            // Only string literals: "pdec::stage::kind".
            t.split('"')
                .filter(|s| s.starts_with("pdec::"))
                .flat_map(codes_in)
                .collect::<Vec<_>>()
        })
        .collect();
    codes.sort();
    codes.dedup();
    assert!(codes.len() >= 30, "only {} codes found", codes.len());

    let docs = std::fs::read_to_string(root.join("docs/DIAGNOSTICS.md")).unwrap_or_default();
    let mut ui = Vec::new();
    walk(&root.join("tests/ui"), "pde", &mut ui);
    let annotated: Vec<String> = ui
        .iter()
        .flat_map(|t| {
            t.lines()
                .filter_map(|l| l.split_once("//~").map(|(_, c)| c.to_string()))
                .collect::<Vec<_>>()
        })
        .flat_map(|c| codes_in(&c))
        .collect();
    // Quoted codes in the command-line tests (`tests/*.rs`).
    let mut cli = String::new();
    for e in std::fs::read_dir(root.join("tests"))
        .expect("tests dir")
        .flatten()
    {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "rs") {
            cli.push_str(&std::fs::read_to_string(&p).unwrap_or_default());
        }
    }

    // Quoted codes in the unit-test modules under src/ (`tests.rs`): codes found from a
    // history of numbers rather than a file, such as training health's detectors, are
    // triggered there on synthetic inputs.
    fn unit_tests(dir: &Path, out: &mut String) {
        for e in std::fs::read_dir(dir).expect("readable dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                unit_tests(&p, out);
            } else if p.file_name().is_some_and(|n| n == "tests.rs") {
                out.push_str(&std::fs::read_to_string(&p).unwrap_or_default());
            }
        }
    }
    unit_tests(&root.join("src"), &mut cli);

    let undocumented: Vec<&String> = codes
        .iter()
        .filter(|c| !docs.contains(&format!("### {c}")))
        .collect();
    let untested: Vec<&String> = codes
        .iter()
        .filter(|c| !annotated.contains(c) && !cli.contains(&format!("\"{c}\"")))
        .collect();
    assert!(
        undocumented.is_empty(),
        "codes without a `### code` entry in docs/DIAGNOSTICS.md: {undocumented:?}"
    );
    assert!(
        untested.is_empty(),
        "codes without a tests/ui case (or tests/cli.rs or tests/outputs.rs check): {untested:?}"
    );
}
