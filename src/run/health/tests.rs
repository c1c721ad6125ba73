//! The detectors on synthetic loss histories: a healthy run finds nothing; each failure
//! finds exactly its code, once.

use super::detect::{round_ratio, weight_key};
use super::*;

const STEPS: u64 = 1000;

fn term(name: &str, kind: TermKind) -> TermInfo {
    TermInfo {
        name: name.into(),
        kind,
        weight: 1.0,
    }
}

fn heat_terms() -> Vec<TermInfo> {
    vec![
        term("pde", TermKind::Pde),
        term("initial", TermKind::Initial),
        term("boundary", TermKind::Boundary),
    ]
}

/// Multiplicative noise of +-30% from a fixed sequence (a minibatch loss's wandering; no
/// rng so the histories are the same everywhere).
fn noise(step: u64, k: usize) -> f64 {
    let h = (step.wrapping_mul(2_654_435_761) ^ (k as u64).wrapping_mul(40_503)) % 1000;
    1.0 + 0.6 * (h as f64 / 1000.0 - 0.5)
}

/// Feeds `STEPS` steps: `loss(step)` gives each term's loss, `lr(step)` the learning rate,
/// `spread(step)` the network's spread at window ends; returns every finding.
fn run(
    terms: Vec<TermInfo>,
    reference: SpreadReference,
    loss: impl Fn(f64) -> Vec<f64>,
    lr: impl Fn(f64) -> f64,
    spread: impl Fn(f64) -> f64,
) -> Vec<Finding> {
    let mut h = Health::new(terms, 1e-3, STEPS, reference);
    assert_eq!(h.window(), 20);
    for step in 0..STEPS {
        let x = step as f64 / STEPS as f64;
        let values: Vec<f64> = loss(x)
            .iter()
            .enumerate()
            .map(|(k, v)| v * noise(step, k))
            .collect();
        let s = h.closes().then(|| spread(x));
        h.record(step, 1e-3 * lr(x), &values, s);
    }
    h.findings().to_vec()
}

fn codes(f: &[Finding]) -> Vec<&'static str> {
    f.iter().map(|f| f.code).collect()
}

/// Cosine decay to 1% of `lr`.
fn cosine(x: f64) -> f64 {
    0.01 + 0.99 * 0.5 * (1.0 + (std::f64::consts::PI * x).cos())
}

#[test]
fn a_healthy_run_finds_nothing() {
    // Every term falls a thousandfold over the run; the network varies like the solution.
    let f = run(
        heat_terms(),
        SpreadReference::Exact(0.5),
        |x| {
            let d = 1e-3f64.powf(x);
            vec![30.0 * d, 1.0 * d, 3.0 * d]
        },
        cosine,
        |_| 0.45,
    );
    assert!(f.is_empty(), "{f:?}");
    // The same without an exact solution: the spread against the conditions' misfit.
    let f = run(
        heat_terms(),
        SpreadReference::Conditions,
        |x| {
            let d = 1e-3f64.powf(x);
            vec![30.0 * d, 1.0 * d, 3.0 * d]
        },
        cosine,
        |_| 0.45,
    );
    assert!(f.is_empty(), "{f:?}");
}

#[test]
fn a_condition_flat_under_a_dominant_pde_term_is_stalled() {
    // The step-0 picture of the heat equation at d = 100: the Laplacian of a random network
    // (pde 266) swamps the conditions (1.6, 4.2), which do not move while it falls.
    let f = run(
        heat_terms(),
        SpreadReference::Exact(0.5),
        |x| vec![266.0 * 1e-3f64.powf(x), 1.6, 4.2 * 1e-3f64.powf(x)],
        |_| 1.0,
        |_| 0.45,
    );
    assert_eq!(codes(&f), ["pdec::health::term_stalled"], "{f:?}");
    assert_eq!(f[0].terms, ["initial"]);
    assert!(f[0].hint.contains("`weight.initial`"), "{}", f[0].hint);
}

#[test]
fn a_network_at_a_constant_is_found_against_exact_and_against_the_conditions() {
    // The total stops falling once the network sits at the best constant.
    let loss = |x: f64| {
        let d = 1e-3f64.powf(x.min(0.2));
        vec![2.0 * d, 0.3, 0.5]
    };
    let f = run(
        heat_terms(),
        SpreadReference::Exact(0.5),
        loss,
        |_| 1.0,
        |_| 1e-3,
    );
    assert_eq!(codes(&f), ["pdec::health::constant_output"], "{f:?}");
    let f = run(
        heat_terms(),
        SpreadReference::Conditions,
        loss,
        |_| 1.0,
        |_| 1e-3,
    );
    assert_eq!(codes(&f), ["pdec::health::constant_output"], "{f:?}");
    // A constant exact solution: a constant network is right.
    let f = run(heat_terms(), SpreadReference::Off, loss, |_| 1.0, |_| 1e-3);
    assert!(f.is_empty(), "{f:?}");
}

#[test]
fn a_learning_rate_decayed_before_the_conditions_are_met_is_found() {
    // Every term falls a little and together (no term dominates another tenfold), but the
    // step schedule cuts the learning rate a hundredfold at a third of the run.
    let f = run(
        heat_terms(),
        SpreadReference::Exact(0.5),
        |x| {
            let d = 0.5f64.powf(x);
            vec![2.0 * d, 1.0 * d, 1.5 * d]
        },
        |x| if x < 0.33 { 1.0 } else { 0.01 },
        |_| 0.45,
    );
    assert_eq!(codes(&f), ["pdec::health::lr_decayed_early"], "{f:?}");
    assert_eq!(f[0].terms, ["initial", "boundary"]);
    assert!(f[0].step >= 330, "{}", f[0].step);
}

#[test]
fn a_growing_free_boundary_violation_is_found() {
    let mut terms = heat_terms();
    terms[1] = term("terminal", TermKind::Terminal);
    terms.push(term("constraint", TermKind::Constraint));
    let f = run(
        terms,
        SpreadReference::Conditions,
        |x| {
            let d = 1e-3f64.powf(x);
            // Falls with the rest to the middle of the run, then grows a hundredfold.
            let c = 0.3 * 1e-3f64.powf(x.min(0.5)) * 100f64.powf((x - 0.5).max(0.0));
            vec![30.0 * d, 1.0 * d, 3.0 * d, c]
        },
        cosine,
        |_| 0.45,
    );
    assert_eq!(codes(&f), ["pdec::health::constraint_growing"], "{f:?}");
    assert_eq!(f[0].terms, ["constraint"]);
    assert!(f[0].step > 500, "{}", f[0].step);
}

#[test]
fn weight_keys_quote_names_that_are_not_identifiers() {
    assert_eq!(weight_key("initial"), "weight.initial");
    assert_eq!(weight_key("boundary x=0"), "weight.\"boundary x=0\"");
    assert_eq!(round_ratio(166.0), "200");
    assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), 2.5);
}
