//! Cross-checks of the three methods against each other (integral equation, finite
//! differences, tree) and against textbook values; the slow sweeps behind the accuracy claims
//! are `#[ignore]`d.

use super::integral::{ALO_DEFAULT, AloSettings, alo_put_boundary, american_with};
use super::*;
use crate::reference::black_scholes::{OptionKind, black_scholes};

/// Richardson-extrapolated finite differences on small grids (fast in debug builds).
fn fd_small(kind: OptionKind, s: f64, k: f64, r: f64, q: f64, sig: f64, t: f64) -> f64 {
    let coarse = american_fd_grid(kind, s, k, r, q, sig, t, 30, 120);
    let fine = american_fd_grid(kind, s, k, r, q, sig, t, 60, 240);
    (4.0 * fine - coarse) / 3.0
}

/// CRR averaged over `n` and `n + 1` steps (damps the odd/even oscillation).
#[allow(clippy::too_many_arguments)]
fn crr(kind: OptionKind, s: f64, k: f64, r: f64, q: f64, sig: f64, t: f64, n: usize) -> f64 {
    0.5 * (american_binomial(kind, s, k, r, q, sig, t, n)
        + american_binomial(kind, s, k, r, q, sig, t, n + 1))
}

const CASES: [(OptionKind, f64, f64, f64, f64, f64); 5] = [
    (OptionKind::Put, 1.0, 0.05, 0.0, 0.2, 1.0),
    (OptionKind::Put, 1.0, 0.05, 0.02, 0.4, 2.0),
    (OptionKind::Put, 0.9, 0.02, 0.05, 0.3, 2.0),
    (OptionKind::Call, 1.0, 0.0, 0.02, 0.25, 2.0),
    (OptionKind::Call, 1.1, 0.03, 0.07, 0.2, 1.0),
];

#[test]
fn integral_equation_agrees_with_finite_differences_and_tree() {
    for (i, &(kind, s, r, q, sig, t)) in CASES.iter().enumerate() {
        let a = american(kind, s, 1.0, r, q, sig, t);
        let b = crr(kind, s, 1.0, r, q, sig, t, 1000);
        // Measured: |a - f| <= 3.3e-7 here, |a - b| <= 3e-5.
        if i == 0 || i == 3 {
            let f = fd_small(kind, s, 1.0, r, q, sig, t);
            assert!(
                (a - f).abs() < 2e-6,
                "{kind:?} s={s} r={r} q={q}: alo {a} fd {f}"
            );
        }
        assert!(
            (a - b).abs() < 1e-4,
            "{kind:?} s={s} r={r} q={q}: alo {a} crr {b}"
        );
        let e = black_scholes(kind, s, 1.0, r, q, sig, t);
        assert!(a >= e - 1e-15 && a >= kind.payoff(s, 1.0), "bounds");
    }
}

#[test]
fn density_form_failure_falls_back() {
    // r / sigma^2 = 10: the density-form iteration oscillates; the distribution-function
    // form takes over. Finite differences agree to 6e-8 (measured). Fewer nodes than the
    // default to keep the test fast (the default behaves the same).
    let cfg = AloSettings {
        nodes: 16,
        ..ALO_DEFAULT
    };
    let (_, stats) = alo_put_boundary(1.0, 0.1, 0.0, 0.1, 1.0, &cfg);
    assert!(stats.converged && stats.cdf_iterations > 0, "{stats:?}");
    let a = american_with(OptionKind::Put, 1.0, 1.0, 0.1, 0.0, 0.1, 1.0, &cfg);
    let f = fd_small(OptionKind::Put, 1.0, 1.0, 0.1, 0.0, 0.1, 1.0);
    assert!((a - f).abs() < 2e-6, "alo {a} fd {f}");
}

#[test]
fn call_without_dividends_is_european() {
    // Merton: never exercise a call early when q <= 0 <= r. The finite-difference solver
    // does not know this and must find it.
    for &(s, r, sig, t) in &[(1.0, 0.05, 0.2, 1.0), (1.3, 0.1, 0.1, 0.5)] {
        let e = black_scholes(OptionKind::Call, s, 1.0, r, 0.0, sig, t);
        let a = american(OptionKind::Call, s, 1.0, r, 0.0, sig, t);
        let f = fd_small(OptionKind::Call, s, 1.0, r, 0.0, sig, t);
        assert!((a - e).abs() < 1e-12);
        assert!((f - e).abs() < 1e-6, "s={s} r={r}: fd {f} european {e}");
    }
}

#[test]
fn hull_textbook_tree() {
    // Hull, "Options, Futures, and Other Derivatives", American put S = K = 50, r = 0.1,
    // sigma = 0.4, T = 5 months: the CRR tree gives 4.272 (50 steps), 4.278 (100),
    // 4.283 (500). The converged value is 4.28422.
    let (s, k, r, sig, t) = (50.0, 50.0, 0.1, 0.4, 5.0 / 12.0);
    let tree = |n| american_binomial(OptionKind::Put, s, k, r, 0.0, sig, t, n);
    assert!((tree(50) - 4.272).abs() < 5e-4);
    assert!((tree(100) - 4.278).abs() < 5e-4);
    assert!((tree(500) - 4.283).abs() < 5e-4);
    let a = american(OptionKind::Put, s, k, r, 0.0, sig, t);
    assert!((a - 4.284_215_68).abs() < 1e-7, "{a}");
}

#[test]
fn edge_cases() {
    // Deep in the money: exercised immediately.
    assert_eq!(
        american(OptionKind::Put, 0.5, 1.0, 0.05, 0.0, 0.2, 1.0),
        0.5
    );
    // Expiry and invalid input.
    assert_eq!(
        american(OptionKind::Call, 1.2, 1.0, 0.05, 0.0, 0.2, 0.0),
        1.2 - 1.0
    );
    assert!(american(OptionKind::Put, 1.0, 1.0, 0.05, 0.0, 0.0, 1.0).is_nan());
    assert!(american_binomial(OptionKind::Put, 1.0, -1.0, 0.05, 0.0, 0.2, 1.0, 10).is_nan());
    // No early exercise of a put when r <= 0 <= q.
    let e = black_scholes(OptionKind::Put, 1.0, 1.0, -0.01, 0.02, 0.2, 1.0);
    assert_eq!(
        american(OptionKind::Put, 1.0, 1.0, -0.01, 0.02, 0.2, 1.0),
        e
    );
}

#[test]
fn double_boundary_put_by_finite_differences() {
    // q < r < 0: the exercise region is a band between two boundaries; only the finite
    // difference solver handles it. Cross-check with the tree.
    let (r, q, sig, t) = (-0.01, -0.04, 0.1, 2.0);
    let f = fd_small(OptionKind::Put, 1.0, 1.0, r, q, sig, t);
    let b = crr(OptionKind::Put, 1.0, 1.0, r, q, sig, t, 1000);
    let e = black_scholes(OptionKind::Put, 1.0, 1.0, r, q, sig, t);
    assert!((f - b).abs() < 1e-4, "fd {f} crr {b}");
    assert!(
        f > e + 1e-4,
        "early exercise is worth something: {f} vs {e}"
    );
}

/// Slow (about 1 s in release): the 20000-step tree of the brief.
#[test]
#[ignore]
fn against_a_20000_step_tree() {
    for &(kind, s, r, q, sig, t) in &CASES {
        let a = american(kind, s, 1.0, r, q, sig, t);
        let b = crr(kind, s, 1.0, r, q, sig, t, 20000);
        // Measured: at most 4.3e-7.
        assert!((a - b).abs() < 2e-6, "{kind:?} s={s}: alo {a} crr {b}");
    }
}

/// Slow (about 1 minute in release): 486 cases against the default finite differences.
#[test]
#[ignore]
fn sweep_against_finite_differences() {
    let mut worst: f64 = 0.0;
    for kind in [OptionKind::Put, OptionKind::Call] {
        for s in [0.8, 1.0, 1.2] {
            for sig in [0.1, 0.25, 0.4] {
                for r in [0.0, 0.03, 0.1] {
                    for q in [0.0, 0.04, 0.1] {
                        for t in [0.1, 1.0, 2.0] {
                            let a = american(kind, s, 1.0, r, q, sig, t);
                            let f = american_fd(kind, s, 1.0, r, q, sig, t);
                            worst = worst.max((a - f).abs());
                            assert!((a - f).abs() < 1e-6, "{kind:?} {s} {sig} {r} {q} {t}");
                        }
                    }
                }
            }
        }
    }
    eprintln!("worst |american - american_fd| = {worst:.2e}");
}
