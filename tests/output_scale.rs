//! `output_scale = auto`, end to end: a solution around 1,000 trains from where its data are
//! (and without it does not get there in the same steps), and `pdec eval` of the run reloads
//! the same scale (it is part of the plan).

mod common;

use std::path::PathBuf;

/// Trains tests/problems/heat1d_offset.pde with `output_scale = SCALE`; the run and its summary.
fn solve(scale: &str) -> (PathBuf, serde_json::Value) {
    let set = format!("output_scale={scale}");
    common::solve_summary(
        "tests/problems/heat1d_offset.pde",
        "output_scale",
        scale,
        &[&set],
    )
}

#[test]
fn a_solution_around_a_thousand_trains_from_its_data() {
    let (dir, auto) = solve("auto");
    let (_, none) = solve("none");
    let err = |s: &serde_json::Value| s["metrics"]["max_abs"].as_f64().expect("max_abs");
    // 300 Adam steps of 1e-2 cannot carry an output from 0 to 1000; scaled, the network
    // starts at the data's mean and fits the unit-sized bump as it fits heat1d.pde's (whose
    // error after these 300 steps is 0.35).
    assert!(err(&auto) < 0.6, "{}", auto["metrics"]);
    assert!(
        err(&none) > 100.0 * err(&auto),
        "{} against {}",
        none["metrics"],
        auto["metrics"]
    );
    // eval reloads the run with the plan's scale: the reported value again.
    let reported = auto["reports"][0]["value"].as_f64().expect("report");
    let value = common::eval_at(&dir, "t = 0.25, x = 0.5");
    assert!(
        (value - reported).abs() < 1e-3,
        "{value} against {reported}"
    );
    assert!((value - (1000.0 + (-std::f64::consts::PI.powi(2) * 0.25).exp())).abs() < 0.6);
}
