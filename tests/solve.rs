//! Training end to end, small enough for CI (run with `cargo test --release`): accuracy
//! against closed forms on the exact and the Monte Carlo paths, the run directory's files,
//! and `pdec eval` reproducing the reported value.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pdec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pdec"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("pdec runs")
}

fn out_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("solve")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn summary(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json");
    serde_json::from_str(&text).expect("valid summary")
}

fn solve(problem: &str, name: &str, extra: &[&str]) -> (PathBuf, serde_json::Value) {
    let dir = out_dir(name);
    let mut args = vec![
        "solve",
        problem,
        "--quiet",
        "--out",
        dir.to_str().expect("utf8"),
    ];
    args.extend(extra);
    let out = pdec(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let s = summary(&dir);
    (dir, s)
}

#[test]
fn heat_1d_reaches_one_percent_on_the_exact_path() {
    let (dir, s) = solve("tests/problems/heat1d.pde", "heat1d", &[]);
    let rel = s["metrics"]["rel_l2"].as_f64().expect("rel_l2");
    assert!(rel <= 1e-2, "relative L2 error {rel}");
    assert_eq!(s["second_order"][0]["path"], "exact");
    for f in [
        "problem.pde",
        "settings.json",
        "loss.csv",
        "model.safetensors",
        "summary.json",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let csv = std::fs::read_to_string(dir.join("loss.csv")).expect("loss.csv");
    assert!(
        csv.starts_with("step,wall_s,lr,total,pde,initial,boundary on(x)"),
        "{csv}"
    );

    // `pdec eval` gives the value the run reported.
    let reported = s["reports"][0]["value"].as_f64().expect("report");
    let out = pdec(&[
        "eval",
        dir.to_str().expect("utf8"),
        "--at",
        "t = 0.25, x = 0.5",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let v: f64 = text
        .rsplit('=')
        .next()
        .and_then(|v| v.trim().parse().ok())
        .expect("a value");
    assert!((v - reported).abs() < 1e-6, "eval {v} vs report {reported}");

    // A missing input is a diagnostic, not a panic.
    let out = pdec(&["eval", dir.to_str().expect("utf8"), "--at", "t = 0.25"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pdec::check::report_missing_input"));
}

#[test]
fn laplacian_in_5d_trains_through_the_monte_carlo_path() {
    let (_, s) = solve("tests/problems/heat5_mc.pde", "heat5", &[]);
    assert_eq!(s["second_order"][0]["path"], "monte_carlo");
    let rel = s["metrics"]["rel_l2"].as_f64().expect("rel_l2");
    assert!(rel <= 5e-2, "relative L2 error {rel}");
}

#[test]
fn same_seed_gives_the_same_losses() {
    let args = ["--set", "steps=30", "--set", "log_every=1"];
    let (a, _) = solve("tests/problems/heat1d.pde", "seed_a", &args);
    let (b, _) = solve("tests/problems/heat1d.pde", "seed_b", &args);
    let strip = |d: &Path| -> Vec<String> {
        std::fs::read_to_string(d.join("loss.csv"))
            .expect("loss.csv")
            .lines()
            .map(|l| {
                // Drop the wall-clock column.
                let mut f: Vec<&str> = l.split(',').collect();
                f.remove(1);
                f.join(",")
            })
            .collect()
    };
    assert_eq!(strip(&a), strip(&b));
}
