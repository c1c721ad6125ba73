//! [`Opened::gradient_along`] against central differences of [`Opened::solution`], both in
//! f64, on networks fresh from their initialisation (a generic smooth function of the inputs):
//! along time, space components and parameters; with an ansatz (its time and space
//! derivatives formed from the network's, a parameter's by differences), a free-boundary
//! projection and log-coordinates features.

use super::Opened;
use candle_core::{DType, Device};
use pdec_lang::driver;
use pdec_lang::source::SourceFile;
use pdec_solve::lower::Columns;
use pdec_solve::nn::Net;
use rand::{RngExt, SeedableRng};
use std::path::PathBuf;

/// A run of the problem `text` with its network fresh from initialisation (seed 7, f64).
pub(crate) fn opened(name: &str, text: &str, sets: &[&str]) -> Opened {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let compiled = driver::compile(
        SourceFile {
            name: name.into(),
            text: text.into(),
        },
        &sets,
    );
    assert!(!compiled.diags.has_errors(), "{name}: {:?}", compiled.diags);
    let plan = compiled.plan.as_ref().expect("a plan");
    let net = Net::for_plan(plan, 7, DType::F64, &Device::Cpu).expect("a network");
    let cols = Columns::new(&plan.layout);
    Opened {
        dir: PathBuf::new(),
        compiled,
        net,
        dt: DType::F64,
        cols,
    }
}

/// A file of the project, read.
pub(crate) fn file(path: &str) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(root.join(path)).expect("a problem file")
}

/// `rows` points drawn uniformly in the inputs' ranges, in column order.
fn points(run: &Opened, rows: usize) -> Vec<f64> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let w = run.cols.layout.width;
    let mut out = vec![0.0; rows * w];
    for r in 0..rows {
        for input in &run.cols.layout.inputs {
            for j in 0..input.components {
                let (lo, hi) = (input.lo[j], input.hi[j]);
                out[r * w + input.offset + j] = lo + (hi - lo) * rng.random::<f64>();
            }
        }
    }
    out
}

/// Every column's derivative against a central difference of the solution (step `1e-6` of
/// the column's range); returns the largest gap relative to `1 + |derivative|`.
fn worst_gap(run: &Opened, rows: usize) -> f64 {
    let w = run.cols.layout.width;
    let x = points(run, rows);
    let columns: Vec<usize> = (0..w).collect();
    let grads = run.gradient_along(&columns, &x, rows).expect("a gradient");
    assert_eq!(grads.len(), w);
    let mut worst = 0.0f64;
    for c in 0..w {
        assert_eq!(grads[c].len(), rows);
        let h = 1e-6 * run.range(c);
        let (mut plus, mut minus) = (x.clone(), x.clone());
        for r in 0..rows {
            plus[r * w + c] += h;
            minus[r * w + c] -= h;
        }
        let up = run.solution(&plus, rows).expect("values");
        let down = run.solution(&minus, rows).expect("values");
        for r in 0..rows {
            let fd = (up[r] - down[r]) / (2.0 * h);
            let g = grads[c][r];
            assert!(g.is_finite(), "column {c} row {r}: {g}");
            worst = worst.max((g - fd).abs() / (1.0 + g.abs()));
        }
    }
    worst
}

#[test]
fn time_and_space_derivatives_are_the_networks() {
    let run = opened("heat1d", &file("tests/problems/heat1d.pde"), &[]);
    assert_eq!(run.input_names(), ["t", "x"]);
    let gap = worst_gap(&run, 64);
    assert!(gap < 1e-6, "{gap}");
}

#[test]
fn a_vector_variables_components_each_have_a_derivative() {
    let run = opened("heat5_mc", &file("tests/problems/heat5_mc.pde"), &[]);
    assert_eq!(run.input_names(), ["t", "x1", "x2", "x3", "x4", "x5"]);
    let gap = worst_gap(&run, 32);
    assert!(gap < 1e-6, "{gap}");
}

#[test]
fn an_ansatz_is_differentiated_along_time_and_space() {
    let run = opened(
        "heat1d_ansatz",
        &file("tests/problems/heat1d_ansatz.pde"),
        &[],
    );
    let gap = worst_gap(&run, 64);
    assert!(gap < 1e-6, "{gap}");
}

#[test]
fn the_projection_takes_the_obstacles_derivative() {
    let run = opened(
        "american_put",
        &file("tests/problems/american_put.pde"),
        &[],
    );
    let gap = worst_gap(&run, 64);
    assert!(gap < 1e-6, "{gap}");
    // Some of the points are projected (the untrained network is below the payoff there),
    // so both branches were compared.
    let x = points(&run, 64);
    let raw = run
        .raw_values(
            &run.net,
            &candle_core::Tensor::from_vec(x.clone(), (64, 2), &Device::Cpu).expect("x"),
            0,
        )
        .expect("raw");
    let u = run.solution(&x, 64).expect("u");
    let projected = raw.iter().zip(&u).filter(|(r, u)| r != u).count();
    assert!(
        projected > 0 && projected < 64,
        "{projected} of 64 projected"
    );
}

#[test]
fn log_coordinates_change_the_features_not_the_derivatives() {
    let run = opened(
        "american_put",
        &file("tests/problems/american_put.pde"),
        &["coordinates=log"],
    );
    assert!(run.cols.has_log());
    let gap = worst_gap(&run, 64);
    assert!(gap < 1e-6, "{gap}");
}

const PARAMETRIC: &str = "problem parametric
param nu in [0.1, 1]
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = nu * d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
";

#[test]
fn a_parameter_has_a_derivative() {
    let run = opened("parametric", PARAMETRIC, &[]);
    assert_eq!(run.input_names(), ["t", "x", "nu"]);
    let gap = worst_gap(&run, 64);
    assert!(gap < 1e-6, "{gap}");
}

#[test]
fn an_ansatz_is_differentiated_along_a_parameter() {
    let text = format!("{PARAMETRIC}ansatz u = sin(pi * x) + nu * t * x * (1 - x) * net\n");
    let run = opened("parametric_ansatz", &text, &[]);
    let gap = worst_gap(&run, 64);
    assert!(gap < 1e-6, "{gap}");
}
