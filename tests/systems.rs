//! Systems of equations (issue 34): several unknowns, one equation each, conditions per
//! unknown, one network with an output per unknown, a loss term per equation and an error per
//! unknown.

mod common;
use common::{ok, pdec, solve_summary};

const COUPLED: &str = "tests/problems/coupled_heat.pde";

/// Each unknown's relative L2 error in `summary.json`.
fn rel_l2(summary: &serde_json::Value, unknown: &str) -> f64 {
    summary["metrics_by_unknown"][unknown]["rel_l2"]
        .as_f64()
        .unwrap_or_else(|| panic!("metrics of {unknown}: {summary}"))
}

/// Two coupled linear equations with a closed form train to 1e-2 on each unknown, in well
/// under a minute on 2 cores; every equation and condition is its own loss term.
#[test]
fn a_coupled_linear_system_trains_to_its_closed_form() {
    let (_, s) = solve_summary(
        COUPLED,
        "systems",
        "coupled",
        &["steps=800", "batch=512", "seed=0"],
    );
    let terms: Vec<&str> = s["final_loss"]
        .as_object()
        .expect("final_loss")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        terms,
        [
            "boundary on(x): u",
            "boundary on(x): v",
            "initial u",
            "initial v",
            "pde u",
            "pde v"
        ]
    );
    for u in ["u", "v"] {
        let e = rel_l2(&s, u);
        assert!(e <= 1e-2, "{u}: rel-L2 {e}");
    }
    // The reports are each of their own unknown (v = 2 u).
    let r = s["reports"].as_array().expect("reports");
    let (u, v) = (
        r[0]["value"].as_f64().expect("u"),
        r[1]["value"].as_f64().expect("v"),
    );
    assert!((v / u - 2.0).abs() < 0.05, "u {u}, v {v}");
}

/// `pdec eval --at` prints every unknown at the point, each from its own output.
#[test]
fn eval_prints_every_unknown() {
    let (run, _) = solve_summary(COUPLED, "systems", "eval", &["steps=30", "batch=128"]);
    let out = pdec(&["eval", run.to_str().expect("utf8"), "--at", "0, 0.5"]);
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    let values: Vec<(String, f64)> = text
        .lines()
        .filter_map(|l| {
            let (name, v) = l.split_once(" = ")?;
            Some((name.to_string(), v.trim().parse().ok()?))
        })
        .collect();
    let names: Vec<&str> = values.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["u(0, 0.5)", "v(0, 0.5)"], "{text}");
    assert_ne!(values[0].1, values[1].1, "two outputs, not one twice");
}

/// The checker counts equations against unknowns and conditions per unknown, and each
/// unknown's time data against its own equation's direction: a backward equation for `v`
/// with a terminal condition beside a forward one for `m` with an initial condition (a
/// mean-field game's shape) is accepted.
#[test]
fn coupled_time_directions_are_checked_per_unknown() {
    let dir = common::out_dir("systems", "directions");
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("mfg.pde");
    std::fs::write(
        &file,
        "time t in [0, 1]\nspace x in [0, 1]\nunknown v(t, x), m(t, x)\n\
         pde hjb: d(v, t) + 0.1 * d(v, x, x) = m\n\
         pde fokker_planck: d(m, t) = 0.1 * d(m, x, x) + v\n\
         terminal v = x^2\ninitial m = 1\n\
         boundary on(x): v = x^2\nboundary on(x): m = 1\n",
    )
    .expect("write");
    let out = pdec(&["explain", file.to_str().expect("utf8")]);
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    for term in ["hjb", "fokker_planck", "terminal v", "initial m"] {
        assert!(text.contains(term), "{term}:\n{text}");
    }
}

/// Exports and `eval --points` write every unknown as a column; the plots draw each one.
#[test]
fn outputs_have_every_unknown() {
    let (run, _) = solve_summary(COUPLED, "systems", "outputs", &["steps=20", "batch=128"]);
    let r = run.to_str().expect("utf8");
    let csv = run.join("grid.csv");
    ok(&pdec(&[
        "export",
        r,
        "--grid",
        "t = 0.5, x = 0..1:5",
        "--output",
        csv.to_str().expect("utf8"),
    ]));
    let text = std::fs::read_to_string(&csv).expect("csv");
    let header = text.lines().next().expect("header");
    assert_eq!(header, "t,x,u,v", "{text}");
    let row: Vec<f64> = text
        .lines()
        .nth(3)
        .expect("a row")
        .split(',')
        .map(|c| c.parse().expect("number"))
        .collect();
    assert_ne!(row[2], row[3], "two outputs, not one twice: {text}");
    ok(&pdec(&["plot", r]));
    for f in [
        "solution_u.png",
        "solution_v.png",
        "error_u.png",
        "error_v.png",
    ] {
        assert!(run.join(f).exists(), "{f}");
    }
}
