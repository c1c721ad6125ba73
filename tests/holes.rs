//! A hole enclosed by a constructive domain gives the network one more input, the inverse
//! distance to its centre (`geometry::features`, `hole_inputs = auto`). Potential flow
//! around a cylinder (`examples/plate_with_hole.pde`) continues into the hole only with
//! sources inside it; a network of the coordinates alone trains to the flow without the
//! hole (rel-L2 about 0.13 whatever the budget), with the input it trains to the solution.
//! Small enough for CI: an MLP 3 x 32, 1,000 steps of 256 points, a few seconds.

mod common;
use common::{eval_at, solve_summary};

const SMALL: &[&str] = &[
    "steps=1000",
    "batch=256",
    "lr=1e-2",
    "net=mlp(layers = 3, width = 32)",
    "seed=0",
];

fn rel_l2(name: &str, hole_inputs: &str) -> (std::path::PathBuf, f64) {
    let set = format!("hole_inputs={hole_inputs}");
    let mut sets = SMALL.to_vec();
    sets.push(&set);
    let (dir, s) = solve_summary("examples/plate_with_hole.pde", "holes", name, &sets);
    let rel = s["metrics"]["rel_l2"].as_f64().expect("rel_l2");
    (dir, rel)
}

#[test]
fn the_hole_input_lets_the_network_learn_the_flow_around_the_hole() {
    let (dir, with) = rel_l2("auto", "auto");
    let (_, without) = rel_l2("none", "none");
    // Measured 7.9e-3 with the input and 1.3e-1 without (f32, one seed).
    assert!(
        with <= 3e-2,
        "relative L2 error with the hole's input: {with}"
    );
    assert!(
        without >= 4.0 * with,
        "without the input {without}, with it {with}: the input should be what helps"
    );
    // The run reloads with its extra input: a report point evaluates as trained.
    let v = eval_at(&dir, "x = [0.6, 0]");
    assert!((v - 0.25).abs() < 0.05, "u(0.6, 0) = {v}, exact 0.25");
}

/// A run made before `hole_inputs` existed read the coordinates alone; its settings.json
/// neither prints the key nor sets it. It still opens as it was trained (`none`), rather
/// than as today's default, whose extra input would not fit its weights.
#[test]
fn a_run_made_before_hole_inputs_existed_still_opens() {
    let mut sets = SMALL.to_vec();
    sets[0] = "steps=5";
    sets.push("hole_inputs=none");
    let (dir, _) = solve_summary("examples/plate_with_hole.pde", "holes", "older", &sets);
    let before = eval_at(&dir, "x = [0.6, 0]");
    let path = dir.join("settings.json");
    let mut saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("settings.json"))
            .expect("json");
    let printed = saved["settings"].as_object_mut().expect("settings");
    assert!(printed.remove("hole_inputs").is_some(), "{printed:?}");
    let set = saved["set"].as_array_mut().expect("set");
    set.retain(|s| s.as_str() != Some("hole_inputs=none"));
    std::fs::write(&path, serde_json::to_string_pretty(&saved).expect("json")).expect("write");
    assert_eq!(eval_at(&dir, "x = [0.6, 0]"), before);
}
