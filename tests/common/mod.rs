//! Helpers the end-to-end tests share: running the `pdec` binary and a fresh output folder.
//! Each test file uses some of them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `pdec ARGS...` from the project's root, without colour.
pub fn pdec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pdec"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("pdec runs")
}

/// An empty (removed) folder `GROUP/NAME` under the tests' scratch directory.
pub fn out_dir(group: &str, name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// `pdec solve FILE --quiet --no-plots --set S... --out GROUP/NAME`, asserted to succeed; the
/// run directory and its summary.json.
pub fn solve_summary(
    file: &str,
    group: &str,
    name: &str,
    sets: &[&str],
) -> (PathBuf, serde_json::Value) {
    let dir = out_dir(group, name);
    let mut args = vec!["solve", file, "--quiet", "--no-plots"];
    for s in sets {
        args.extend(["--set", s]);
    }
    args.extend(["--out", dir.to_str().expect("utf8")]);
    ok(&pdec(&args));
    let text = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json");
    (dir, serde_json::from_str(&text).expect("json"))
}

/// `pdec eval RUN --at AT`, asserted to succeed: the value it printed (the last number).
pub fn eval_at(run: &Path, at: &str) -> f64 {
    let out = pdec(&["eval", run.to_str().expect("utf8"), "--at", at]);
    ok(&out);
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .next_back()
        .expect("a value")
}

/// Asserts that a run of `pdec` exited 0, showing its output when it did not.
pub fn ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The project's root (where `examples/` and `tests/` are).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.pde` file under `dir`, in sorted order.
pub fn pde_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("a folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            pde_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "pde") {
            out.push(p);
        }
    }
}

/// A run's loss.csv without its wall-clock column: what must match between two runs that
/// train alike (same seed, resumed against uninterrupted).
pub fn losses_without_clock(run: &Path) -> Vec<String> {
    std::fs::read_to_string(run.join("loss.csv"))
        .expect("loss.csv")
        .lines()
        .map(|l| {
            let mut f: Vec<&str> = l.split(',').collect();
            f.remove(1);
            f.join(",")
        })
        .collect()
}
