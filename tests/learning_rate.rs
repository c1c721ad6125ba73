//! The learning rate end to end. `lr = auto`: the probe's choice is the rate the run trains
//! with (summary.json, settings.json, loss.csv, the progress line), a resumed run keeps it
//! without probing again, and short runs and a written rate take no probe.
//! `on_divergence = rollback`: a rate that makes the terms jump sends the run back to its best
//! window with half the rate; `continue` trains on.

mod common;
use common::{out_dir, pdec, solve_summary};

const SMALL: &str = "net=mlp(layers = 2, width = 16)";

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

#[test]
fn the_probe_chooses_the_rate_the_run_trains_and_resumes_with() {
    let dir = out_dir("learning_rate", "probe");
    let args = [
        "solve",
        "tests/problems/heat1d.pde",
        "--no-plots",
        "--set",
        "lr=auto",
        "--set",
        "steps=300",
        "--set",
        SMALL,
        "--out",
        dir.to_str().expect("utf8"),
    ];
    let out = pdec(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let s = read_json(&dir.join("summary.json"));
    let probe = &s["lr_probe"];
    let chosen = probe["chosen"].as_f64().expect("chosen");
    assert_eq!(probe["steps"], 15, "a twentieth of 300 steps: {probe}");
    let candidates: Vec<f64> = probe["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .map(|c| c.as_f64().expect("f64"))
        .collect();
    assert_eq!(candidates, [1e-3, 3e-3, 1e-2]);
    // The chosen rate has the lowest score.
    let scores: Vec<f64> = probe["scores"]
        .as_array()
        .expect("scores")
        .iter()
        .map(|c| c.as_f64().expect("heat1d fits at every candidate"))
        .collect();
    let best = scores.iter().cloned().fold(f64::INFINITY, f64::min);
    assert_eq!(
        scores[candidates.iter().position(|&c| c == chosen).expect("in")],
        best
    );
    assert_eq!(s["lr"].as_f64(), Some(chosen));
    let settings = read_json(&dir.join("settings.json"));
    assert_eq!(settings["lr"].as_f64(), Some(chosen));
    assert_eq!(settings["lr_auto"], true);
    // loss.csv's first row is at the cosine's peak: the chosen rate.
    let csv = std::fs::read_to_string(dir.join("loss.csv")).expect("loss.csv");
    let first: f64 = csv
        .lines()
        .nth(1)
        .expect("a row")
        .split(',')
        .nth(2)
        .expect("lr")
        .parse()
        .expect("a number");
    assert!(
        (first - chosen).abs() <= 1e-9 * chosen,
        "{first} vs {chosen}"
    );
    assert!(stderr.contains("lr = auto: "), "{stderr}");
    // A resume with more steps goes on with the checkpoint's rate and probes nothing.
    let out = pdec(&[
        "solve",
        "--resume",
        dir.to_str().expect("utf8"),
        "--quiet",
        "--no-plots",
        "--set",
        "steps=320",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = read_json(&dir.join("summary.json"));
    assert_eq!(s["lr"].as_f64(), Some(chosen));
    assert!(s.get("lr_probe").is_none(), "{s}");
    assert_eq!(s["steps"], 320);
}

#[test]
fn short_runs_and_a_written_rate_take_no_probe() {
    let (_, s) = solve_summary(
        "tests/problems/heat1d.pde",
        "learning_rate",
        "short",
        &["lr=auto", "steps=50", SMALL],
    );
    assert_eq!(s["lr"].as_f64(), Some(1e-3));
    assert!(s.get("lr_probe").is_none(), "{s}");
    let (_, s) = solve_summary(
        "tests/problems/heat1d.pde",
        "learning_rate",
        "written",
        &["lr=5e-3", "steps=300", SMALL],
    );
    assert_eq!(s["lr"].as_f64(), Some(5e-3));
    assert!(s.get("lr_probe").is_none(), "{s}");
}

#[test]
fn a_jump_of_the_terms_rolls_back_to_the_best_window_with_half_the_rate() {
    let sets = |on: &'static str| ["lr=0.5", "lr_schedule=constant", "steps=300", SMALL, on];
    let (_, s) = solve_summary(
        "tests/problems/heat1d.pde",
        "learning_rate",
        "rollback",
        &sets("on_divergence=rollback"),
    );
    let taken = s["divergence_rollbacks"]
        .as_array()
        .expect("rollbacks taken");
    assert!(!taken.is_empty() && taken.len() <= 3, "{taken:?}");
    for (k, r) in taken.iter().enumerate() {
        let (at, back) = (r["at_step"].as_u64(), r["back_to_step"].as_u64());
        assert!(back < at, "{r}");
        assert!(r["factor"].as_f64().expect("factor") > 4.0, "{r}");
        assert_eq!(
            r["lr_scale"].as_f64(),
            Some(0.5f64.powi(k as i32 + 1)),
            "{r}"
        );
    }
    let (_, s) = solve_summary(
        "tests/problems/heat1d.pde",
        "learning_rate",
        "continue",
        &sets("on_divergence=continue"),
    );
    assert!(s.get("divergence_rollbacks").is_none(), "{s}");
}
