//! Several networks (issue 34): a steady unknown `p(x)` beside a time-dependent `u(t, x)`,
//! each with a network of its own that reads only its arguments, trained to their closed
//! forms; `networks = separate` on a coupled system; a checkpoint and resume with two
//! networks, bit for bit against the run straight through; `pdec explain` lists them.

mod common;
use common::{ok, pdec, solve_summary};

const STEADY: &str = "tests/problems/steady_beside_heat.pde";

/// Each unknown's relative L2 error in `summary.json`.
fn rel_l2(summary: &serde_json::Value, unknown: &str) -> f64 {
    summary["metrics_by_unknown"][unknown]["rel_l2"]
        .as_f64()
        .unwrap_or_else(|| panic!("metrics of {unknown}: {summary}"))
}

/// `pdec eval RUN --at AT`: each printed `NAME(...) = value`.
fn eval(run: &std::path::Path, at: &str) -> Vec<(String, f64)> {
    let out = pdec(&["eval", run.to_str().expect("utf8"), "--at", at]);
    ok(&out);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (name, v) = l.split_once(" = ")?;
            Some((name.to_string(), v.trim().parse().ok()?))
        })
        .collect()
}

/// `u(t, x)` and the steady `p(x)` it reads as a source train to 1e-2 each (seeds 0-2:
/// `u` 3.7e-3 to 7.5e-3, `p` 2.3e-4 to 1.6e-3, about 10 s each on 2 loaded cores); `p` is
/// the same number at every time (its network does not read `t`), `u` is not.
#[test]
fn a_steady_unknown_beside_a_time_dependent_one_trains_to_its_closed_form() {
    let (run, s) = solve_summary(
        STEADY,
        "networks",
        "steady",
        &[
            "steps=600",
            "batch=128",
            "net=dgm(layers=1,width=20)",
            "seed=0",
        ],
    );
    for u in ["u", "p"] {
        let e = rel_l2(&s, u);
        assert!(e <= 1e-2, "{u}: rel-L2 {e}");
    }
    let (early, late) = (eval(&run, "0, 0.3"), eval(&run, "0.9, 0.3"));
    assert_eq!(early.len(), 2, "{early:?}");
    assert_eq!(
        early[1].1, late[1].1,
        "p does not depend on t: {early:?} {late:?}"
    );
    assert_ne!(early[0].1, late[0].1, "u does: {early:?} {late:?}");
}

/// `networks = separate` gives `u` and `v` of the coupled heat system a network each, and
/// the system still trains to 1e-2 on each unknown (seeds 0, 1: `u` 3.0e-3, 2.4e-3; `v`
/// 1.8e-3, 1.5e-3).
#[test]
fn separate_networks_train_a_coupled_system() {
    let (_, s) = solve_summary(
        "tests/problems/coupled_heat.pde",
        "networks",
        "separate",
        &[
            "steps=600",
            "batch=128",
            "net=dgm(layers=1,width=20)",
            "seed=0",
            "networks=separate",
        ],
    );
    for u in ["u", "v"] {
        let e = rel_l2(&s, u);
        assert!(e <= 1e-2, "{u}: rel-L2 {e}");
    }
}

/// A run of two networks stopped and resumed from its checkpoint ends where the run
/// straight through ends, bit for bit (every parameter of both networks, and Adam's
/// moments, saved and restored by name).
#[test]
fn two_networks_resume_bit_for_bit() {
    // A constant rate: the cosine schedule's shape depends on the steps asked for.
    let sets = [
        "batch=64",
        "seed=3",
        "dtype=f64",
        "log_every=10",
        "lr=1e-3",
        "lr_schedule=constant",
    ];
    let with = |steps: &'static str| -> Vec<&'static str> {
        let mut v = sets.to_vec();
        v.push(steps);
        v
    };
    let (_, whole) = solve_summary(STEADY, "networks", "whole", &with("steps=60"));
    let (dir, _) = solve_summary(STEADY, "networks", "pieces", &with("steps=30"));
    let out = pdec(&[
        "solve",
        "--resume",
        dir.to_str().expect("utf8"),
        "--quiet",
        "--no-plots",
        "--set",
        "steps=60",
    ]);
    ok(&out);
    let text = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json");
    let resumed: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(resumed["steps"], 60);
    assert_eq!(resumed["final_loss"], whole["final_loss"]);
    assert_eq!(resumed["metrics_by_unknown"], whole["metrics_by_unknown"]);
}

/// `pdec explain` lists the networks when there are several, one line each.
#[test]
fn explain_lists_the_networks() {
    let out = pdec(&["explain", STEADY]);
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("networks:\n  network 1: u from (t, x), dgm 50 x 3, ")
            && text.contains("  network 2: p from (x), dgm 50 x 3, "),
        "{text}"
    );
    let one = pdec(&["explain", "tests/problems/coupled_heat.pde"]);
    ok(&one);
    assert!(!String::from_utf8_lossy(&one.stdout).contains("networks:"));
}
