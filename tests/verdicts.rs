//! `pdec check` means trainable: on every example, every CI training problem and every UI
//! case, `pdec check` and `pdec solve --dry-run` give the same verdict (the exit code and the
//! diagnostic codes), because every refusal of a problem the solver cannot compute happens
//! while planning.

mod common;
use common::{pde_files, root};

use std::collections::BTreeSet;
use std::process::Command;

/// The exit code and the diagnostic codes printed (as JSON lines) by one command.
fn verdict(args: &[&str]) -> (Option<i32>, BTreeSet<String>) {
    let out = Command::new(env!("CARGO_BIN_EXE_pdec"))
        .args(args)
        .args(["--message-format", "json"])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("pdec runs");
    let codes = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["code"].as_str().map(str::to_string))
        .collect();
    (out.status.code(), codes)
}

#[test]
fn check_and_dry_run_agree_on_every_example_and_ui_case() {
    let mut files = Vec::new();
    for dir in ["examples", "tests/problems", "tests/ui"] {
        pde_files(&root().join(dir), &mut files);
    }
    files.sort();
    assert!(files.len() > 150, "only {} files", files.len());
    let mut differ = Vec::new();
    let mut refused = 0;
    for f in &files {
        let rel = f.strip_prefix(root()).unwrap_or(f);
        let name = rel.to_str().expect("utf8");
        let check = verdict(&["check", name]);
        let dry = verdict(&["solve", name, "--dry-run"]);
        if check != dry {
            differ.push(format!("{name}: check {check:?}, solve --dry-run {dry:?}"));
        }
        refused += usize::from(check.0 == Some(1));
    }
    assert!(
        differ.is_empty(),
        "check and the dry run disagree:\n{}",
        differ.join("\n")
    );
    // The UI cases are refusals: the comparison covered both verdicts.
    assert!(refused > 100, "only {refused} refusals");
}
