//! `coordinates`, end to end: a Black-Scholes problem whose network reads log-prices trains
//! (its error against the closed form falls as it does in prices), `pdec eval` of the run
//! reloads the map and takes the user's coordinates (the reported value again), and `pdec
//! explain` says what the network reads.

mod common;

use common::{ok, pdec};
use std::path::PathBuf;

/// Trains examples/black_scholes.pde for 600 steps with `coordinates = SETTING`.
fn solve(setting: &str) -> (PathBuf, serde_json::Value) {
    let set = format!("coordinates={setting}");
    common::solve_summary(
        "examples/black_scholes.pde",
        "coordinates",
        setting,
        &[&set, "steps=600"],
    )
}

#[test]
fn a_network_reading_log_prices_trains_and_evaluates_in_prices() {
    let (dir, log) = solve("log");
    let (_, prices) = solve("as_written");
    let err = |s: &serde_json::Value| s["metrics"]["rel_l2"].as_f64().expect("rel_l2");
    // Both train to the closed form's neighbourhood in 600 steps (2.0e-2 in log-prices,
    // 1.5e-2 in prices).
    assert!(err(&log) < 0.05, "{}", log["metrics"]);
    assert!(err(&prices) < 0.05, "{}", prices["metrics"]);
    assert_ne!(err(&log), err(&prices), "the setting changed nothing");
    let reported = log["reports"][0]["value"].as_f64().expect("report");
    // At the strike 600 steps are far from the price in either coordinates (0.137 and 0.127
    // against 0.1045); a map applied wrongly is much further.
    assert!((reported - 0.10451).abs() < 0.05, "u(0, 1) = {reported}");
    let value = common::eval_at(&dir, "t = 0, s = 1");
    assert!(
        (value - reported).abs() < 1e-5,
        "eval {value} against the report {reported}"
    );
}

#[test]
fn explain_says_what_the_network_reads() {
    let explain = |sets: &[&str]| {
        let mut args = vec!["explain", "examples/black_scholes.pde"];
        for s in sets {
            args.extend(["--set", s]);
        }
        let out = pdec(&args);
        ok(&out);
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let one_asset = explain(&[]);
    assert!(!one_asset.contains("read as ln"), "{one_asset}");
    let log = explain(&["coordinates=log"]);
    assert!(log.contains("read as ln(s + 0.02)"), "{log}");
    assert!(
        log.contains("coordinates: the network reads the log-prices"),
        "{log}"
    );
}
