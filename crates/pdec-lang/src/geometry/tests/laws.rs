//! The sampling laws: parameter and coordinate laws (`log`, `arcsine`) and the space-point
//! laws (log-normal with correlation, diffusion spread, the fallback to uniform points), the
//! plan's words for them, and `law_fit` (how much a domain cuts off a law).

use super::*;
use crate::geometry::laws::law_fit;
use crate::settings::{Center, LawKind, Spread};

/// [`LAYOUT`]'s layout with the given parameter laws (`nu`, `a`).
fn with_laws(laws: Vec<CoordinateLaw>) -> Layout {
    let mut l = Layout::new(&build(LAYOUT).0);
    l.param_laws = laws;
    l
}

/// `n` interior points of [`LAYOUT`] drawn with layout `l`, each checked to lie inside
/// its domain.
fn drawn(l: &Layout, n: usize, seed: u64) -> Batch {
    let (p, _) = build(LAYOUT);
    let b = sample_interior(&p, l, n, &mut rng(seed));
    for i in 0..n {
        assert_inside(&p, l, b.point(i), None);
    }
    b
}

/// The share of a batch's points whose column `col` passes `keep`.
fn share(b: &Batch, col: usize, keep: impl Fn(f64) -> bool) -> f64 {
    let n = b.n;
    (0..n).filter(|&i| keep(b.point(i)[col])).count() as f64 / n as f64
}

/// `sampling.nu = log`: `nu` uniform in `log nu` (half the points below the geometric
/// midpoint `sqrt(0.01 * 0.1)`, where uniform draws put a quarter), inside its range;
/// `a` stays uniform, and the error-metric layout is uniform again.
#[test]
fn log_sampled_parameters_spread_evenly_over_decades() {
    let mid = (0.01f64 * 0.1).sqrt();
    let l = with_laws(vec![CoordinateLaw::Log, CoordinateLaw::Uniform]);
    let b = drawn(&l, 20_000, 5);
    let (nu, a) = (
        l.columns.param(0).expect("a column"),
        l.columns.param(1).expect("a column"),
    );
    let log = share(&b, nu, |v| v < mid);
    assert!(
        (log - 0.5).abs() < 0.02,
        "log-uniform: {log} below the midpoint"
    );
    let uniform = share(&drawn(&l.uniform(), 20_000, 5), nu, |v| v < mid);
    let expect = (mid - 0.01) / 0.09;
    assert!(
        (uniform - expect).abs() < 0.02,
        "uniform: {uniform} vs {expect}"
    );
    let a_share = share(&b, a, |v| v < 0.0);
    assert!((a_share - 0.5).abs() < 0.02, "a stays uniform: {a_share}");
    // The plan describes each term's law so (`pdec explain`).
    let (_, plan) = build(&format!("{LAYOUT}solve {{\n  sampling.nu = log\n}}\n"));
    let pde = &plan.terms[0].sampler;
    assert!(
        pde.contains("params (a) uniform") && pde.contains("nu log-uniform in [0.01, 0.1]"),
        "{pde}"
    );
}

/// `sampling.a = arcsine`: `a` drawn with density `1 / (pi sqrt((a + 1) (1 - a)))`, so
/// `2 / pi asin(sqrt(0.1))` = 20.5% within the outer tenth of the range at each end
/// (uniform: 10%), symmetric, inside the range; `nu` stays uniform.
#[test]
fn arcsine_sampled_parameters_weigh_both_ends() {
    let l = with_laws(vec![CoordinateLaw::Uniform, CoordinateLaw::Arcsine]);
    let b = drawn(&l, 40_000, 6);
    let (nu, a) = (
        l.columns.param(0).expect("a column"),
        l.columns.param(1).expect("a column"),
    );
    let expect = 2.0 / std::f64::consts::PI * 0.1f64.sqrt().asin();
    let low = share(&b, a, |v| v < -0.8);
    let high = share(&b, a, |v| v > 0.8);
    for got in [low, high] {
        assert!((got - expect).abs() < 0.01, "{got} vs {expect}");
    }
    let middle = share(&b, a, |v| v.abs() < 0.1);
    let expect_middle = 2.0 / std::f64::consts::PI * 0.1f64.asin();
    assert!(
        (middle - expect_middle).abs() < 0.01,
        "{middle} vs {expect_middle}"
    );
    let nu_low = share(&b, nu, |v| v < 0.019);
    assert!((nu_low - 0.1).abs() < 0.01, "nu stays uniform: {nu_low}");
    let (_, plan) = build(&format!("{LAYOUT}solve {{\n  sampling.a = arcsine\n}}\n"));
    let pde = &plan.terms[0].sampler;
    assert!(
        pde.contains("params (nu) uniform")
            && pde.contains("params (a) arcsine in their box (more points at both ends)"),
        "{pde}"
    );
}

/// `sampling.t = arcsine`, `sampling.y = arcsine`: time and every coordinate of the box
/// `y` weigh both ends of their intervals (20.5% in each outer tenth, uniform: 10%), inside
/// and on the faces of `y` (its free coordinates); `x` and the parameters stay uniform, and
/// the error-metric layout is uniform again.
#[test]
fn time_and_box_coordinate_laws_weigh_both_ends() {
    let text = format!("{LAYOUT}solve {{\n  sampling.t = arcsine\n  sampling.y = arcsine\n}}\n");
    let (problem, plan, settings) = build_with_settings(&text);
    let p = &problem;
    let l = Layout::with_settings(p, &settings);
    assert_eq!(l.time_law, CoordinateLaw::Arcsine);
    let arcsine = 2.0 / std::f64::consts::PI * 0.1f64.sqrt().asin();
    let near = |got: f64, want: f64, what: &str| {
        assert!((got - want).abs() < 0.012, "{what}: {got} vs {want}");
    };
    let b = sample_interior(p, &l, 40_000, &mut rng(8));
    let (t, x, y) = (
        l.columns.time().expect("a time column"),
        l.offset(Input::Space(0)).expect("columns of x"),
        l.offset(Input::Space(1)).expect("columns of y"),
    );
    near(share(&b, t, |v| v < 0.1), arcsine, "t near 0");
    near(share(&b, t, |v| v > 0.9), arcsine, "t near 1");
    near(share(&b, y, |v| v < 0.1), arcsine, "y[1] near 0");
    near(share(&b, y + 1, |v| v > 0.8), arcsine, "y[2] near 1");
    near(share(&b, y + 2, |v| v < 2.1), arcsine, "y[3] near 2");
    near(share(&b, x, |v| v < 0.1), 0.1, "x stays uniform");
    near(
        share(&b, l.columns.param(1).expect("a column"), |v| v < -0.8),
        0.1,
        "a stays uniform",
    );
    let uniform = sample_interior(p, &l.uniform(), 40_000, &mut rng(8));
    near(share(&uniform, t, |v| v < 0.1), 0.1, "metrics: t uniform");
    near(share(&uniform, y, |v| v < 0.1), 0.1, "metrics: y uniform");
    // On the faces y[2] = -1 and y[2] = 1 the other coordinates of y follow its law.
    let faces: Vec<FacePlan> = plan
        .terms
        .iter()
        .find(|t| t.name == "boundary on(y)")
        .map(|t| match &t.region {
            Region::Faces { faces } => faces
                .iter()
                .filter(|f| {
                    matches!(
                        f.face,
                        Face::Side {
                            var: 1,
                            comp: Some(1),
                            ..
                        }
                    )
                })
                .cloned()
                .collect(),
            r => panic!("{r:?}"),
        })
        .expect("the boundary term of y");
    let f = sample_faces(p, &l, &faces, 40_000, &mut rng(9));
    for i in 0..f.n {
        assert_inside(p, &l, f.point(i), None);
        assert_eq!(f.point(i)[y + 1].abs(), 1.0);
    }
    near(share(&f, y, |v| v > 0.9), arcsine, "y[1] on the faces");
    near(share(&f, t, |v| v < 0.1), arcsine, "t on the faces");
    let pde = &plan.terms[0].sampler;
    assert!(
        pde.contains("t arcsine (more points at both ends) in [0, 1]")
            && pde.contains("x uniform in [0, 1]")
            && pde.contains(
                "y arcsine (more points at both ends) per coordinate in [0, 1] x [-1, 1] x [2, 3]"
            ),
        "{pde}"
    );
}

#[test]
fn lognormal_sampling_has_its_median_and_correlation_and_stays_inside() {
    let (p, _) = build(
        "time t in [0, 1]\nspace x in [0, 2]^4\nunknown u(t, x)\npde d(u, t) = lap(u)\n\
         initial u = 0\nboundary none\n",
    );
    let mut l = Layout::new(&p);
    l.sampling = Sampling::Law {
        kind: LawKind::LogNormal,
        center: Center::All(1.0),
        sd: 0.2,
        corr: 0.75,
        uniform: 0.0,
        spread: Spread::Constant,
    };
    let n = 20000;
    let b = sample_interior(&p, &l, n, &mut rng(5));
    let (o, _) = l.columns.space(0).expect("x has columns");
    let logs: Vec<[f64; 4]> = (0..n)
        .map(|i| {
            let r = b.point(i);
            assert!(r[o..o + 4].iter().all(|v| (0.0..=2.0).contains(v)));
            [r[o].ln(), r[o + 1].ln(), r[o + 2].ln(), r[o + 3].ln()]
        })
        .collect();
    let mean = |k: usize| logs.iter().map(|r| r[k]).sum::<f64>() / n as f64;
    let (m0, m1) = (mean(0), mean(1));
    // log x ~ N(0, 0.2^2) (truncation at 2 cuts almost nothing): mean 0 within 4 sigma.
    assert!(m0.abs() < 4.0 * 0.2 / (n as f64).sqrt(), "mean {m0}");
    let cov = logs.iter().map(|r| (r[0] - m0) * (r[1] - m1)).sum::<f64>() / n as f64;
    let var = logs.iter().map(|r| (r[0] - m0).powi(2)).sum::<f64>() / n as f64;
    assert!((var.sqrt() - 0.2).abs() < 0.01, "sd {}", var.sqrt());
    assert!((cov / var - 0.75).abs() < 0.03, "corr {}", cov / var);
    // Time and the other columns are untouched by the law.
    let t = l.columns.time().expect("time column");
    assert!((0..n).all(|i| (0.0..=1.0).contains(&b.point(i)[t])));
}

/// The basket's law in `[0, 2]^100` redraws about a fifth of its points and loses the
/// upper tail of their geometric mean (the sampled 99% quantile checked against the
/// fitted shift); in `[0, 4]^100` almost nothing; independent coordinates cut only in
/// their far tails (the HJB example's law at its widest) shift nothing that matters.
#[test]
fn law_fit_sees_a_box_that_cuts_the_common_factor() {
    let law = |kind, center, sd, corr, spread| Sampling::Law {
        kind,
        center: Center::All(center),
        sd,
        corr,
        uniform: 0.25,
        spread,
    };
    let basket = law(LawKind::LogNormal, 1.0, 0.35, 0.75, Spread::Constant);
    let boxed = |lo: f64, hi: f64, d: usize| Domain::Box {
        lo: vec![lo; d],
        hi: vec![hi; d],
    };
    let small = law_fit(&boxed(0.0, 2.0, 100), &basket, 0.0, 4000).expect("a law");
    assert!((small.inside - 0.8).abs() < 0.04, "{small:?}");
    assert!(small.tail_shift > 1.0, "{small:?}");
    let wide = law_fit(&boxed(0.0, 4.0, 100), &basket, 0.0, 4000).expect("a law");
    assert!(wide.inside > 0.99 && wide.tail_shift < 0.1, "{wide:?}");
    let hjb = law(LawKind::Normal, 0.0, 1.5, 0.0, Spread::Diffusion);
    let fit = law_fit(&boxed(-5.0, 5.0, 100), &hjb, 1.0, 4000).expect("a law");
    assert!(fit.inside < 0.95 && fit.tail_shift < 0.25, "{fit:?}");
    // At the start of a diffusion law there is nothing to fit; uniform sampling neither.
    assert_eq!(law_fit(&boxed(-5.0, 5.0, 100), &hjb, 0.0, 4000), None);
    assert_eq!(
        law_fit(&boxed(0.0, 1.0, 3), &Sampling::Uniform, 0.0, 4000),
        None
    );
    // The shift is what the sampler does: the upper 1% of the geometric mean of points
    // drawn by `sample_interior` in [0, 2]^100 stays below 1.4 (the law's own: about 2).
    let (p, _) = build(
        "time t in [0, 1]\nspace x in [0, 2]^100\nunknown u(t, x)\npde d(u, t) = lap(u)\n\
         initial u = 0\nboundary none\n",
    );
    let mut l = Layout::new(&p);
    l.sampling = law(LawKind::LogNormal, 1.0, 0.35, 0.75, Spread::Constant);
    if let Sampling::Law { uniform, .. } = &mut l.sampling {
        *uniform = 0.0;
    }
    let n = 4000;
    let b = sample_interior(&p, &l, n, &mut rng(9));
    let (o, _) = l.columns.space(0).expect("x has columns");
    let mut gm: Vec<f64> = (0..n)
        .map(|i| (b.point(i)[o..o + 100].iter().map(|v| v.ln()).sum::<f64>() / 100.0).exp())
        .collect();
    gm.sort_by(f64::total_cmp);
    assert!(gm[n * 99 / 100] < 1.4, "99% quantile {}", gm[n * 99 / 100]);
}

#[test]
fn a_diffusion_spread_grows_like_the_square_root_of_elapsed_time() {
    let (p, _) = build(
        "time t in [0.5, 2.5]\nspace x in [-20, 20]^3\nunknown u(t, x)\npde d(u, t) + lap(u) = 0\n\
         terminal u = 0\nboundary none\n",
    );
    let mut l = Layout::new(&p);
    l.sampling = Sampling::Law {
        kind: LawKind::Normal,
        center: Center::All(1.0),
        sd: 2.0,
        corr: 0.0,
        uniform: 0.0,
        spread: Spread::Diffusion,
    };
    let (o, _) = l.columns.space(0).expect("x has columns");
    let t = l.columns.time().expect("time column");
    // Interior: (x - 1) / sqrt(t - 0.5) is N(0, 2^2) whatever the time.
    let n = 20000;
    let b = sample_interior(&p, &l, n, &mut rng(7));
    let z: Vec<f64> = (0..n)
        .map(|i| {
            let r = b.point(i);
            (r[o + 1] - 1.0) / (r[t] - 0.5).sqrt()
        })
        .collect();
    let var = z.iter().map(|v| v * v).sum::<f64>() / n as f64;
    assert!(
        (var.sqrt() - 2.0).abs() < 0.06,
        "sd per sqrt(time) {}",
        var.sqrt()
    );
    // A time slice spreads as at its own time (sd 2 * sqrt(2) at t = 2.5) ...
    let b = sample_time_slice(&p, &l, 2.5, n, &mut rng(8));
    let var = (0..n).map(|i| (b.point(i)[o] - 1.0).powi(2)).sum::<f64>() / n as f64;
    assert!(
        (var.sqrt() - 2.0 * 2f64.sqrt()).abs() < 0.08,
        "sd {}",
        var.sqrt()
    );
    // ... and collapses onto the center at the start of time.
    let b = sample_time_slice(&p, &l, 0.5, 10, &mut rng(9));
    assert!((0..10).all(|i| b.point(i)[o..o + 3].iter().all(|v| *v == 1.0)));
}

#[test]
fn a_law_far_outside_the_domain_falls_back_to_uniform_points() {
    let (p, _) = build(
        "time t in [0, 1]\nspace x in [0, 1]^2\nunknown u(t, x)\npde d(u, t) = lap(u)\n\
         initial u = 0\nboundary none\n",
    );
    let mut l = Layout::new(&p);
    l.sampling = Sampling::Law {
        kind: LawKind::Normal,
        center: Center::All(50.0),
        sd: 0.1,
        corr: 0.0,
        uniform: 0.0,
        spread: Spread::Constant,
    };
    let b = sample_interior(&p, &l, 500, &mut rng(1));
    let (o, _) = l.columns.space(0).expect("columns");
    let xs: Vec<f64> = (0..500).map(|i| b.point(i)[o]).collect();
    assert!(xs.iter().all(|v| (0.0..=1.0).contains(v)));
    let mean = xs.iter().sum::<f64>() / 500.0;
    assert!((mean - 0.5).abs() < 0.05, "uniform fallback, mean {mean}");
}
