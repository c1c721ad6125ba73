//! Issue 37: the same input gives the same output. `pdec check` runs twice on every UI case
//! and every example, in both output formats, and the two runs must agree byte for byte on
//! stdout, stderr and the exit code. Each run is its own process, with its own hash-map seed
//! (`RandomState`), so a suggestion or a diagnostic chosen by a hash map's order shows here.

mod common;
use common::{pde_files, root};

use std::path::Path;
use std::process::{Command, Output};

/// `--set` overrides of a UI case, from its lines `//@ set KEY=VALUE` (as `tests/ui.rs`).
fn sets(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("//@ set "))
        .flat_map(|s| ["--set".to_string(), s.trim().to_string()])
        .collect()
}

fn check(name: &str, sets: &[String], format: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pdec"))
        .args(["check", name, "--message-format", format])
        .args(sets)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("pdec runs")
}

#[test]
fn check_prints_the_same_on_every_run() {
    let mut files = Vec::new();
    for dir in ["examples", "tests/ui"] {
        pde_files(&root().join(dir), &mut files);
    }
    files.sort();
    assert!(files.len() > 150, "only {} files", files.len());
    let mut differ = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(root()).unwrap_or(f);
        let name = rel.to_str().expect("utf8");
        let sets = sets(f);
        for format in ["human", "json"] {
            let (a, b) = (check(name, &sets, format), check(name, &sets, format));
            if a.status.code() != b.status.code() || a.stdout != b.stdout || a.stderr != b.stderr {
                differ.push(format!(
                    "{name} ({format}):\n--- first run ({:?})\n{}{}\n--- second run ({:?})\n{}{}",
                    a.status.code(),
                    String::from_utf8_lossy(&a.stdout),
                    String::from_utf8_lossy(&a.stderr),
                    b.status.code(),
                    String::from_utf8_lossy(&b.stdout),
                    String::from_utf8_lossy(&b.stderr),
                ));
            }
        }
    }
    assert!(
        differ.is_empty(),
        "`pdec check` printed differently on two runs:\n{}",
        differ.join("\n")
    );
}
