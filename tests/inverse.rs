//! Data and inverse problems end to end: an unknown coefficient identified from observations
//! (`examples/inverse_diffusion.pde`), the data written by `pdec reference exact`, and bad data
//! refused by the front end before anything is written.

mod common;

use common::{ok, out_dir, pdec, root, solve_summary};
use std::path::Path;

/// The example's data are what its documented command writes.
#[test]
fn the_example_data_are_the_exact_solution_on_the_documented_grid() {
    let dir = out_dir("inverse", "reference_exact");
    std::fs::create_dir_all(&dir).expect("scratch");
    let out = dir.join("obs.csv");
    ok(&pdec(&[
        "reference",
        "exact",
        "examples/inverse_diffusion.pde",
        "--grid",
        "t = 1, x = -1..1:10",
        "--out",
        out.to_str().expect("utf8"),
    ]));
    let written = std::fs::read_to_string(&out).expect("written");
    let committed =
        std::fs::read_to_string(root().join("examples/inverse_diffusion_data.csv")).expect("data");
    assert_eq!(written, committed);
    // Sampled points with noise: reproducible from the seed, different from another seed.
    let sample = |seed: &str, name: &str| {
        let p = dir.join(name);
        ok(&pdec(&[
            "reference",
            "exact",
            "examples/inverse_diffusion.pde",
            "--sample",
            "50",
            "--seed",
            seed,
            "--noise",
            "0.01",
            "--out",
            p.to_str().expect("utf8"),
        ]));
        std::fs::read_to_string(p).expect("written")
    };
    let (a, b, c) = (
        sample("3", "a.csv"),
        sample("3", "b.csv"),
        sample("4", "c.csv"),
    );
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.lines().count(), 51);
    assert_eq!(a.lines().next(), Some("t,x,u"));
    // Burgers observations from the Cole-Hopf reference, as Raissi et al.'s inverse problem.
    let burgers = |seed: &str, name: &str| {
        let p = dir.join(name);
        ok(&pdec(&[
            "reference",
            "burgers",
            "--sample",
            "20",
            "--seed",
            seed,
            "--out",
            p.to_str().expect("utf8"),
        ]));
        std::fs::read_to_string(p).expect("written")
    };
    let (a, b) = (burgers("1", "ba.csv"), burgers("1", "bb.csv"));
    assert_eq!(a, b);
    assert_eq!(a.lines().count(), 21);
    for line in a.lines().skip(1) {
        let v: Vec<f64> = line
            .split(',')
            .map(|c| c.parse().expect("number"))
            .collect();
        assert!(
            (0.0..=1.0).contains(&v[0]) && (-1.0..=1.0).contains(&v[1]),
            "{line}"
        );
        assert!(v[2].abs() <= 1.0, "{line}");
    }
}

/// The diffusivity of DeepXDE's diffusion inverse example, from ten values at t = 1: within
/// 1% of 1 in a few seconds of release training (3,000 steps, half the example's). The run logs its trajectory, reports it, and
/// keeps its data so that `pdec eval` reopens the run.
#[test]
fn a_diffusivity_is_identified_from_ten_observations() {
    let (dir, summary) = solve_summary(
        "examples/inverse_diffusion.pde",
        "inverse",
        "diffusion",
        &["steps=3000"],
    );
    let c = summary["identified"]["C"].as_f64().expect("identified C");
    assert!((c - 1.0).abs() < 0.01, "C = {c}");
    assert!(summary["final_loss"]["data"].as_f64().is_some());
    let log = std::fs::read_to_string(dir.join("loss.csv")).expect("loss.csv");
    let header: Vec<&str> = log.lines().next().expect("header").split(',').collect();
    let col = header.iter().position(|h| *h == "C").expect("a C column");
    assert!(header.contains(&"data"));
    let first: f64 = log
        .lines()
        .nth(1)
        .expect("a row")
        .split(',')
        .nth(col)
        .expect("C")
        .parse()
        .expect("a number");
    // Starts at its `init` (2, moved by one step), ends where the summary says.
    assert!((first - 2.0).abs() < 0.05, "first C = {first}");
    assert!(dir.join("reference/inverse_diffusion_data.csv").is_file());
    // Its trajectory drawn from loss.csv by `pdec plot` (a problem without coefficients has
    // no such picture).
    ok(&pdec(&["plot", dir.to_str().expect("utf8")]));
    assert!(dir.join("coefficients.png").is_file());
    let u = common::eval_at(&dir, "t = 1, x = 0.5");
    assert!((u - (-1f64).exp()).abs() < 0.02, "u(1, 0.5) = {u}");
}

/// The implied volatility of `examples/implied_vol.pde` from five call prices: the payoff's
/// smoothing is written in the trained `sigma`, so 500 steps (a sixth of the example's) find
/// 0.25 within 0.5% (measured -0.013%; before the smoothing in `sigma` and the observations'
/// scaled network, 3,000 steps ended at 0.063). Its data are what its documented command
/// writes.
#[test]
fn an_implied_volatility_is_identified_from_five_prices() {
    let dir = out_dir("inverse", "implied_vol_data");
    std::fs::create_dir_all(&dir).expect("scratch");
    let out = dir.join("prices.csv");
    ok(&pdec(&[
        "reference",
        "exact",
        "examples/implied_vol.pde",
        "--grid",
        "t = 0, s = 0.8..1.2:5",
        "--out",
        out.to_str().expect("utf8"),
    ]));
    let committed =
        std::fs::read_to_string(root().join("examples/implied_vol_data.csv")).expect("data");
    assert_eq!(std::fs::read_to_string(&out).expect("written"), committed);
    let (_, summary) = solve_summary(
        "examples/implied_vol.pde",
        "inverse",
        "implied_vol",
        &["steps=500"],
    );
    let sigma = summary["identified"]["sigma"]
        .as_f64()
        .expect("identified sigma");
    assert!((sigma / 0.25 - 1.0).abs() < 5e-3, "sigma = {sigma}");
}

/// A problem beside `data` (a CSV text) in a fresh folder, solved into `run`: it must fail
/// with `code` and leave no run directory.
fn refused(name: &str, observe: &str, data: Option<&str>, code: &str) {
    let dir = out_dir("inverse_refused", name);
    std::fs::create_dir_all(&dir).expect("scratch");
    let problem = format!(
        "time t in [0, 1]\nspace x in [-1, 1]\nunknown u(t, x)\nunknown const k in [0.1, 10]\n\
         pde d(u, t) = k * d(u, x, x)\ninitial u = sin(pi * x)\nboundary on(x): u = 0\n{observe}\n"
    );
    let file = dir.join("p.pde");
    std::fs::write(&file, problem).expect("problem");
    if let Some(d) = data {
        std::fs::write(dir.join("obs.csv"), d).expect("data");
    }
    let run = dir.join("run");
    for command in ["check", "solve"] {
        let mut args = vec![command, file.to_str().expect("utf8")];
        if command == "solve" {
            args.extend(["--out", run.to_str().expect("utf8")]);
        }
        let out = pdec(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name} {command}: {stderr}");
        assert!(stderr.contains(code), "{name} {command}: {stderr}");
    }
    assert!(!run.exists(), "{name}: a run directory was made");
    assert!(!Path::new(&dir.join("runs")).exists());
}

#[test]
fn bad_data_is_refused_before_anything_is_written() {
    let obs = "observe u from \"obs.csv\"";
    refused(
        "missing_column",
        obs,
        Some("x,u\n0.5,0.1\n"),
        "pdec::data::missing_column",
    );
    refused(
        "nan",
        obs,
        Some("t,x,u\n1,0.5,NaN\n"),
        "pdec::data::not_finite",
    );
    refused(
        "outside",
        obs,
        Some("t,x,u\n1,1.5,0.1\n"),
        "pdec::data::outside_domain",
    );
    refused(
        "climbs_out",
        "observe u from \"../obs.csv\"",
        None,
        "pdec::check::data_outside_folder",
    );
    refused("missing", obs, None, "pdec::load::data_missing");
    // A fixed input's column is not the file's to give.
    refused(
        "fixed_column",
        "observe d(u, x) at t = 1 from \"obs.csv\"",
        Some("t,x,value\n1,0.5,0.1\n"),
        "pdec::data::unknown_column",
    );
}

/// A link inside the folder to a file outside it is refused, as for `reference`.
#[cfg(unix)]
#[test]
fn a_data_file_linked_from_outside_the_folder_is_refused() {
    let dir = out_dir("inverse_refused", "link");
    std::fs::create_dir_all(dir.join("problem")).expect("scratch");
    std::fs::write(dir.join("outside.csv"), "t,x,u\n1,0.5,0.1\n").expect("data");
    std::os::unix::fs::symlink(dir.join("outside.csv"), dir.join("problem/obs.csv")).expect("link");
    let file = dir.join("problem/p.pde");
    std::fs::write(
        &file,
        "time t in [0, 1]\nspace x in [-1, 1]\nunknown u(t, x)\nunknown const k in [0.1, 10]\n\
         pde d(u, t) = k * d(u, x, x)\ninitial u = sin(pi * x)\nboundary on(x): u = 0\n\
         observe u from \"obs.csv\"\n",
    )
    .expect("problem");
    let run = dir.join("run");
    let out = pdec(&[
        "solve",
        file.to_str().expect("utf8"),
        "--out",
        run.to_str().expect("utf8"),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("pdec::load::data_outside_folder"),
        "{stderr}"
    );
    assert!(!run.exists());
}

/// loss.csv without its wall-time column.
fn log_rows(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("loss.csv"))
        .expect("loss.csv")
        .lines()
        .map(|l| {
            let mut cells: Vec<&str> = l.split(',').collect();
            cells.remove(1);
            cells.join(",")
        })
        .collect()
}

/// The coefficient and its Adam moments are in the checkpoint: a run stopped and resumed
/// logs what one uninterrupted run logs, the coefficient's column included.
#[test]
fn a_resumed_inverse_run_goes_on_as_if_it_never_stopped() {
    let base = [
        "lr_schedule=constant",
        "log_every=1",
        "checkpoint_every=10",
        "batch=64",
        "net=mlp(layers = 2, width = 16)",
    ];
    let mut whole = base.to_vec();
    whole.push("steps=25");
    let (whole_dir, _) =
        solve_summary("examples/inverse_diffusion.pde", "inverse", "whole", &whole);
    let mut first = base.to_vec();
    first.push("steps=10");
    let (dir, _) = solve_summary(
        "examples/inverse_diffusion.pde",
        "inverse",
        "pieces",
        &first,
    );
    ok(&pdec(&[
        "solve",
        "--resume",
        dir.to_str().expect("utf8"),
        "--quiet",
        "--no-plots",
        "--set",
        "steps=25",
    ]));
    let (a, b) = (log_rows(&dir), log_rows(&whole_dir));
    assert!(a[0].contains(",C,"), "{}", a[0]);
    assert_eq!(a, b);
}

/// A component of a vector unknown is observed by its name as written (`U[1]`) or without
/// brackets (`U1`); data for another component are not it.
#[test]
fn a_component_of_a_vector_unknown_is_observed_by_its_name() {
    let dir = out_dir("inverse", "vector");
    std::fs::create_dir_all(&dir).expect("scratch");
    let file = dir.join("v.pde");
    std::fs::write(
        &file,
        "time t in [0, 1]\nspace x in [-1, 1]\nunknown U(t, x)[2]\nunknown const k in [0.1, 10]\n\
         pde d(U, t) = k * d(U, x, x)\ninitial U = [sin(pi * x), 0]\nboundary on(x): U = [0, 0]\n\
         observe U[1] from \"obs.csv\"\n",
    )
    .expect("problem");
    let f = file.to_str().expect("utf8");
    for (header, code) in [
        ("t,x,U[1]", None),
        ("t,x,U1", None),
        ("t,x,U2", Some("pdec::data::missing_column")),
    ] {
        std::fs::write(dir.join("obs.csv"), format!("{header}\n1,0.5,0.1\n")).expect("data");
        let out = pdec(&["check", f]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        match code {
            None => assert_eq!(out.status.code(), Some(0), "{header}: {stderr}"),
            Some(c) => {
                assert_eq!(out.status.code(), Some(1), "{header}: {stderr}");
                assert!(stderr.contains(c), "{header}: {stderr}");
            }
        }
    }
}

/// A coefficient function (`unknown coef k(x) in [0.01, 2]`) identified from 25 observations
/// of `u` (`examples/inverse_coefficient.pde`, shortened): its metrics come from its `exact`
/// like any unknown's. The example's data are what its
/// documented command writes (`--unknown` may be left out: `k` is a coefficient function).
#[test]
fn a_coefficient_function_is_identified_from_observations_of_the_solution() {
    let dir = out_dir("inverse", "coefficient_data");
    std::fs::create_dir_all(&dir).expect("scratch");
    let out = dir.join("obs.csv");
    ok(&pdec(&[
        "reference",
        "exact",
        "examples/inverse_coefficient.pde",
        "--grid",
        "x = 0..1:25",
        "--out",
        out.to_str().expect("utf8"),
    ]));
    let committed = std::fs::read_to_string(root().join("examples/inverse_coefficient_data.csv"))
        .expect("data");
    assert_eq!(std::fs::read_to_string(&out).expect("written"), committed);
    let (run, summary) = solve_summary(
        "examples/inverse_coefficient.pde",
        "inverse",
        "coefficient",
        &["steps=1500", "net=mlp(layers = 2, width = 24)"],
    );
    let k = summary["metrics_by_unknown"]["k"]["rel_l2"]
        .as_f64()
        .expect("k's metrics");
    let u = summary["metrics_by_unknown"]["u"]["rel_l2"]
        .as_f64()
        .expect("u's metrics");
    // Measured 0.06 and 0.006 (the example's 5,000 steps: 0.014, docs/RESULTS.md).
    assert!(k < 0.1, "k rel-L2 {k}");
    assert!(u < 0.02, "u rel-L2 {u}");
    // k(0.5) = 1.1 (`pdec eval` prints `u`, then `k`).
    let at = common::eval_at(&run, "x = 0.5");
    assert!((at - 1.1).abs() < 0.15, "k(0.5) = {at}");
}

/// A derived quantity on a fixed face: the flux `d(u, x)` at `x = 1` (one row, a `value`
/// column and no input column) determines the diffusivity of `-C u'' = pi^2 sin(pi x)`,
/// `u = sin(pi x) / C`, whose flux there is `-pi / C`.
#[test]
fn a_flux_on_a_face_identifies_a_diffusivity() {
    let dir = out_dir("inverse", "flux");
    std::fs::create_dir_all(&dir).expect("scratch");
    let file = dir.join("p.pde");
    std::fs::write(
        &file,
        "space x in [0, 1]\nunknown u(x)\nunknown const C in [0.1, 10] init 2 log\n\
         pde -C * d(u, x, x) = pi^2 * sin(pi * x)\nboundary on(x): u = 0\n\
         exact u = sin(pi * x)\nobserve d(u, x) at x = 1 from \"flux.csv\"\n\
         solve {\n  net = mlp(layers = 2, width = 24)\n  lr = 1e-2\n}\n",
    )
    .expect("problem");
    std::fs::write(dir.join("flux.csv"), "value\n-3.141592653590\n").expect("data");
    let explain = pdec(&["explain", file.to_str().expect("utf8")]);
    ok(&explain);
    let text = String::from_utf8_lossy(&explain.stdout);
    assert!(text.contains("d(u, x) at x = 1: all 1 rows"), "{text}");
    // `noise 0.1` instead of a weight: the weight 1 / 0.1^2.
    let noisy = dir.join("noisy.pde");
    let source = std::fs::read_to_string(&file).expect("problem");
    std::fs::write(
        &noisy,
        source.replace("\"flux.csv\"", "\"flux.csv\" noise 0.1"),
    )
    .expect("noisy");
    let explain = pdec(&["explain", noisy.to_str().expect("utf8")]);
    ok(&explain);
    let text = String::from_utf8_lossy(&explain.stdout);
    let data = text
        .lines()
        .find(|l| l.trim_start().starts_with("data "))
        .expect("data");
    assert!(data.contains("weight 100 "), "{data}");
    let (_, summary) = solve_summary(
        file.to_str().expect("utf8"),
        "inverse",
        "flux_run",
        &["steps=1000"],
    );
    let c = summary["identified"]["C"].as_f64().expect("identified C");
    // Measured 1.0002 at 1,000 steps (0.987 at 2,000).
    assert!((c - 1.0).abs() < 0.03, "C = {c}");
}

/// A vector of coefficients (`unknown const k[2]`): a diffusivity and a drift identified
/// together from 20 observations of `u = exp(-t) sin(pi x)` at t = 0.5 and 1. Each component
/// is its own trained scalar, named `k[1]`, `k[2]` in loss.csv, the summary and the report;
/// `k` alone is their vector.
#[test]
fn a_vector_of_coefficients_is_identified_component_by_component() {
    let dir = out_dir("inverse", "vector_coefficients");
    std::fs::create_dir_all(&dir).expect("scratch");
    let file = dir.join("p.pde");
    std::fs::write(
        &file,
        "time t in [0, 1]\nspace x in [-1, 1]\nunknown u(t, x)\n\
         unknown const k[2] in [0.1, 3] init 2 log\n\
         pde d(u, t) = dot(k, [d(u, x, x), d(u, x)]) \
         - exp(-t) * ((1 - pi^2) * sin(pi * x) + 0.5 * pi * cos(pi * x))\n\
         initial u = sin(pi * x)\nboundary on(x): u = 0\nexact u = exp(-t) * sin(pi * x)\n\
         observe u from \"obs.csv\"\n\
         solve {\n  net = mlp(layers = 3, width = 32)\n  lr = 1e-2\n}\n",
    )
    .expect("problem");
    let f = file.to_str().expect("utf8");
    let obs = dir.join("obs.csv");
    let grid = "t = 0.5..1:2, x = -1..1:10";
    let args = ["reference", "exact", f, "--grid", grid, "--out"];
    ok(&pdec(&[&args[..], &[obs.to_str().expect("utf8")]].concat()));
    let explain = pdec(&["explain", f]);
    ok(&explain);
    let text = String::from_utf8_lossy(&explain.stdout);
    assert!(text.contains("k[1]") && text.contains("k[2]"), "{text}");
    let run = dir.join("run");
    let out = pdec(&[
        "solve",
        f,
        "--quiet",
        "--no-plots",
        "--set",
        "steps=3000",
        "--out",
        run.to_str().expect("utf8"),
    ]);
    ok(&out);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).expect("summary"))
            .expect("json");
    let (k1, k2) = (
        summary["identified"]["k[1]"].as_f64().expect("k[1]"),
        summary["identified"]["k[2]"].as_f64().expect("k[2]"),
    );
    // Measured 1.00049 and 0.50717 (truth 1 and 0.5).
    assert!((k1 - 1.0).abs() < 0.01, "k[1] = {k1}");
    assert!((k2 - 0.5).abs() < 0.015, "k[2] = {k2}");
    let header = log_rows(&run)[0].clone();
    assert!(header.contains(",k[1],k[2],"), "{header}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("k[2] = "), "{stdout}");
}
