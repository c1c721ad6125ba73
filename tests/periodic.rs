//! `periodic_inputs = auto` (`geometry::periodic`): the network reads cos and sin of a
//! periodic coordinate instead of the coordinate, so a trained run is periodic to rounding
//! (values and slopes at `x = lo` and `x = hi`, read back through `pdec export --gradient`
//! from the run directory), where the pair terms of `none` leave it only approximately
//! periodic; and the heat equation on a periodic interval trains better with it at the same
//! small budget.

mod common;
use common::{ok, out_dir, pdec, solve_summary};
use std::path::Path;

/// `u_t = 0.1 u_xx` on the periodic `[0, 2 pi]`, exact `exp(-0.1 t) sin(x)`. No time
/// ansatz: the network gives `u` directly, so `auto` drops the pair term.
const HEAT: &str = "problem periodic_heat\ntime t in [0, 1]\nspace x in [0, 2 * pi]\n\
    unknown u(t, x)\npde d(u, t) = 0.1 * d(u, x, x)\ninitial u = sin(x)\nperiodic x\n\
    exact u = exp(-0.1 * t) * sin(x)\nsolve {\n  time_ansatz = none\n}\n";

fn problem(group: &str) -> String {
    let dir = out_dir(group, "problem");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let file = dir.join("heat.pde");
    std::fs::write(&file, HEAT).expect("write");
    file.display().to_string()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8")
}

/// `(u, du/dx)` of the run at `t = 0.5` on the two faces `x = 0` and `x = 2 pi`.
fn faces(run: &Path) -> [[f64; 2]; 2] {
    let points = run.with_extension("points.csv");
    std::fs::write(&points, "t,x\n0.5,0\n0.5,6.283185307179586\n").expect("write");
    let csv = run.with_extension("faces.csv");
    ok(&pdec(&[
        "export",
        s(run),
        "--points",
        s(&points),
        "--gradient",
        "--format",
        "csv",
        "--output",
        s(&csv),
    ]));
    let text = std::fs::read_to_string(&csv).expect("csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (u, g) = (col("u"), header.len() - 1);
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|c| c.parse().expect("number")).collect())
        .collect();
    [[rows[0][u], rows[0][g]], [rows[1][u], rows[1][g]]]
}

#[test]
fn a_network_with_periodic_inputs_is_periodic_to_rounding() {
    let file = problem("periodic_exact");
    let small = [
        "steps=200",
        "batch=128",
        "net=mlp(layers = 2, width = 16)",
        "dtype=f64",
        "seed=0",
        "polish=none",
    ];
    let run = |mode: &str| {
        let set = format!("periodic_inputs={mode}");
        let mut sets = small.to_vec();
        sets.push(&set);
        solve_summary(&file, "periodic_exact", mode, &sets).0
    };
    let [lo, hi] = faces(&run("auto"));
    assert!((lo[0] - hi[0]).abs() <= 1e-12, "values {lo:?} {hi:?}");
    assert!((lo[1] - hi[1]).abs() <= 1e-12, "slopes {lo:?} {hi:?}");
    // The pair terms make it periodic only approximately.
    let [lo, hi] = faces(&run("none"));
    let gap = (lo[0] - hi[0]).abs().max((lo[1] - hi[1]).abs());
    assert!(gap > 1e-6, "none: {lo:?} {hi:?}");
}

#[test]
fn periodic_inputs_train_the_periodic_heat_equation_better() {
    let file = problem("periodic_train");
    let rel = |mode: &str| {
        let set = format!("periodic_inputs={mode}");
        let sets = [
            "steps=400",
            "batch=256",
            "net=mlp(layers = 2, width = 24)",
            "seed=0",
            "polish=none",
            &set,
        ];
        let (_, summary) = solve_summary(&file, "periodic_train", mode, &sets);
        summary["metrics"]["rel_l2"].as_f64().expect("rel_l2")
    };
    let (with, without) = (rel("auto"), rel("none"));
    // Measured 1.3e-2 with the inputs and 0.92 with the pair term (f32, seed 0).
    assert!(with <= 5e-2, "auto {with}");
    assert!(without >= 4.0 * with, "auto {with}, none {without}");
}
