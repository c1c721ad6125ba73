//! `sampling = sobol | halton` (issue 39): quasi-random collocation points that are still a
//! function of (seed, step), so a resumed run trains exactly as an uninterrupted one; the
//! setting is explained, checked, and changes the points.

mod common;
use common::{losses_without_clock as losses, pdec, solve_summary};

const HEAT: &str = "tests/problems/heat1d.pde";

const CONSTANT: [&str; 4] = [
    "lr_schedule=constant",
    "log_every=5",
    "checkpoint_every=10",
    "seed=4",
];

#[test]
fn a_resumed_quasi_random_run_draws_the_points_of_the_uninterrupted_one() {
    for sequence in ["sobol", "halton"] {
        let law = format!("sampling={sequence}");
        let mut sets = CONSTANT.to_vec();
        sets.extend([law.as_str(), "steps=40"]);
        let (whole, _) = solve_summary(HEAT, "quasi_random", &format!("{sequence}-whole"), &sets);
        let mut sets = CONSTANT.to_vec();
        sets.extend([law.as_str(), "steps=20"]);
        let (part, _) = solve_summary(HEAT, "quasi_random", &format!("{sequence}-part"), &sets);
        let out = pdec(&[
            "solve",
            "--resume",
            part.to_str().expect("utf8"),
            "--quiet",
            "--no-plots",
            "--set",
            "steps=40",
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The first run's last step (19) has a line of its own; every other line is equal.
        let resumed: Vec<String> = losses(&part)
            .into_iter()
            .filter(|l| !l.starts_with("19,"))
            .collect();
        assert_eq!(resumed, losses(&whole), "{sequence}");
    }
}

#[test]
fn the_sequence_changes_the_points_and_is_explained() {
    let mut sets = CONSTANT.to_vec();
    sets.push("steps=10");
    let (random, _) = solve_summary(HEAT, "quasi_random", "random", &sets);
    let mut by = Vec::new();
    for sequence in ["sobol", "halton"] {
        let law = format!("sampling={sequence}");
        let mut sets = sets.clone();
        sets.push(law.as_str());
        let (run, _) = solve_summary(HEAT, "quasi_random", &format!("{sequence}-10"), &sets);
        by.push(losses(&run));
        let out = pdec(&["explain", HEAT, "--set", &law]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(&format!("sampling = {sequence}")), "{text}");
        let json = pdec(&["explain", HEAT, "--set", &law, "--format", "json"]);
        let plan: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
        assert_eq!(plan["settings"]["sequence"], sequence);
    }
    let random = losses(&random);
    // Step 0's loss is on the first batch: three different batches.
    assert_ne!(by[0][1], random[1]);
    assert_ne!(by[1][1], random[1]);
    assert_ne!(by[0][1], by[1][1]);
    // A misspelt sequence is a settings error naming the choices.
    let bad = pdec(&["check", HEAT, "--set", "sampling=sobel"]);
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("pdec::settings::") && err.contains("`sobol`"),
        "{err}"
    );
}
