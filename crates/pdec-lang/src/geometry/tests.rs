//! The samplers' tests: every region's points inside their domain and on their faces,
//! the laws' shapes, and the same points for the same seed.

use super::laws::law_fit;
use super::*;
use crate::driver::compile;
use crate::plan::Plan;
use crate::settings::{LawKind, PlanSettings, Spread};
use crate::source::SourceFile;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn build(text: &str) -> (Problem, Plan) {
    let (problem, plan, _) = build_with_settings(text);
    (problem, plan)
}

/// [`build`], with the problem's resolved settings.
fn build_with_settings(text: &str) -> (Problem, Plan, PlanSettings) {
    let c = compile(
        SourceFile {
            name: "test.pde".into(),
            text: text.into(),
        },
        &[],
    );
    assert!(!c.diags.has_errors(), "{text}\n{:#?}", c.diags);
    let plan = c.plan.expect("a plan");
    let checked = c.checked.expect("a checked problem");
    (checked.problem, plan, checked.settings.plan)
}

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

fn region<'a>(plan: &'a Plan, name: &str) -> &'a Region {
    &plan
        .terms
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no term {name}"))
        .region
}

/// Is `x` (a space variable's columns) inside the domain (closed, up to rounding)?
fn in_domain(d: &Domain, x: &[f64]) -> bool {
    match d {
        Domain::Interval { lo, hi } => x.len() == 1 && *lo <= x[0] && x[0] <= *hi,
        Domain::Box { lo, hi } => {
            x.len() == lo.len()
                && x.iter()
                    .zip(lo.iter().zip(hi))
                    .all(|(v, (a, b))| a <= v && v <= b)
        }
        Domain::Ball { center, radius } => {
            x.len() == center.len() && dist(x, center) <= radius * (1.0 + 1e-12)
        }
    }
}

fn dist(x: &[f64], c: &[f64]) -> f64 {
    x.iter()
        .zip(c)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        .sqrt()
}

/// Time, parameters and every space variable but `skip` inside their ranges.
fn assert_inside(p: &Problem, l: &Layout, row: &[f64], skip: Option<usize>) {
    if let (Some(c), Some(t)) = (l.columns.time(), &p.time) {
        assert!(t.lo <= row[c] && row[c] <= t.hi, "time {} outside", row[c]);
    }
    for (k, s) in p.space.iter().enumerate() {
        if Some(k) == skip {
            continue;
        }
        let (o, n) = l.columns.space(k).expect("columns");
        assert!(
            in_domain(&s.domain, &row[o..o + n]),
            "{} = {:?} outside {:?}",
            s.name,
            &row[o..o + n],
            s.domain
        );
    }
    for (q, c) in p
        .params
        .iter()
        .zip((0..p.params.len()).filter_map(|k| l.columns.param(k)))
    {
        assert!(
            q.lo <= row[c] && row[c] <= q.hi,
            "{} = {} outside",
            q.name,
            row[c]
        );
    }
}

/// Which face of `faces` the point lies on, checking it lies exactly on it, inside the
/// face's other bounds, and that its normal is the face's outward unit normal.
fn check_face_point(
    p: &Problem,
    l: &Layout,
    faces: &[FacePlan],
    row: &[f64],
    normal: &[f64],
) -> usize {
    let norm: f64 = normal.iter().map(|v| v * v).sum::<f64>().sqrt();
    assert!((norm - 1.0).abs() < 1e-12, "normal {normal:?} not unit");
    let mut found = None;
    for (i, f) in faces.iter().enumerate() {
        let on = match f.face {
            Face::Side { var, comp, side } => {
                let (o, _) = l.columns.space(var).expect("columns");
                let k = comp.unwrap_or(0);
                let (lo, hi) = p.space[var].domain.bounds()[k];
                let at = if side == Side::Lo { lo } else { hi };
                // An edge point may lie on two faces; the normal tells which was drawn.
                let sign = if side == Side::Lo { -1.0 } else { 1.0 };
                row[o + k] == at && normal[o + k] == sign
            }
            Face::Sphere { var } => {
                let (o, n) = l.columns.space(var).expect("columns");
                let Domain::Ball { center, radius } = &p.space[var].domain else {
                    panic!("not a ball")
                };
                let x = &row[o..o + n];
                let r = dist(x, center);
                r > 0.0
                    && (r - radius).abs() < 1e-12
                    && x.iter()
                        .zip(center)
                        .zip(&normal[o..o + n])
                        .all(|((x, c), m)| ((x - c) / radius - m).abs() < 1e-12)
            }
        };
        if on {
            assert!(
                found.is_none(),
                "point {row:?} on two faces with the same normal"
            );
            found = Some(i);
        }
    }
    let i = found.unwrap_or_else(|| panic!("point {row:?} normal {normal:?} on no face"));
    let var = match faces[i].face {
        Face::Side { var, .. } | Face::Sphere { var } => var,
    };
    let (o, n) = l.columns.space(var).expect("columns");
    // Only the face variable's columns carry the normal.
    for (c, m) in normal.iter().enumerate() {
        if c < o || c >= o + n {
            assert_eq!(
                *m, 0.0,
                "normal {normal:?} outside the face variable's columns"
            );
        }
    }
    // The face variable itself inside its domain (the fixed component is on the bound).
    assert!(in_domain(&p.space[var].domain, &row[o..o + n]), "{row:?}");
    // And outward: stepping inward along -normal stays inside for a small step.
    let inward: Vec<f64> = row[o..o + n]
        .iter()
        .zip(&normal[o..o + n])
        .map(|(x, m)| x - 1e-6 * m)
        .collect();
    let outward: Vec<f64> = row[o..o + n]
        .iter()
        .zip(&normal[o..o + n])
        .map(|(x, m)| x + 1e-6 * m)
        .collect();
    assert!(
        !in_domain(&p.space[var].domain, &outward),
        "normal {normal:?} points inward at {row:?}"
    );
    assert!(
        in_domain(&p.space[var].domain, &inward),
        "normal {normal:?} does not point out: the inward step leaves the domain at {row:?}"
    );
    assert_inside(p, l, row, Some(var));
    i
}

const LAYOUT: &str = "
param nu in [0.01, 0.1]
param a  in [-1, 1]
time  t in [0, 1]
space x in [0, 1]
space y in [0, 1] * [-1, 1] * [2, 3]
unknown u(t, x, y)
pde d(u, t) = nu * d(u, x, x) + lap(u, y) + a
initial u = 0
boundary on(x): u = 0
boundary on(y): u = 0
";

#[test]
fn layout_offsets() {
    let (p, plan) = build(LAYOUT);
    let l = Layout::new(&p);
    assert_eq!(l.columns.time(), Some(0));
    assert_eq!(
        (0..2).map(|k| l.columns.space(k)).collect::<Vec<_>>(),
        vec![Some((1, 1)), Some((2, 3))]
    );
    assert_eq!((l.columns.param(0), l.columns.param(1)), (Some(5), Some(6)));
    assert_eq!(l.width(), 7);
    assert_eq!(l.width(), plan.layout.width);
    assert_eq!(l.offset(Input::Time), Some(0));
    assert_eq!(l.columns(Input::Space(1)), Some(2..5));
    assert_eq!(l.offset(Input::Param(1)), Some(6));
    assert_eq!(l.offset(Input::Param(2)), None);
}

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

/// The layout agrees with the plan's inputs, whatever the order of the unknown's arguments.
#[test]
fn layout_follows_argument_order() {
    let text = LAYOUT.replace("unknown u(t, x, y)", "unknown u(y, t, x)");
    let (p, plan) = build(&text);
    let l = Layout::new(&p);
    assert_eq!(
        (0..2).map(|k| l.columns.space(k)).collect::<Vec<_>>(),
        vec![Some((4, 1)), Some((0, 3))]
    );
    assert_eq!(l.columns.time(), Some(3));
    assert_eq!((l.columns.param(0), l.columns.param(1)), (Some(5), Some(6)));
    let mut offset = 0;
    for input in &plan.layout.inputs {
        let which = match input.kind {
            "time" => Input::Time,
            "space" => Input::Space(
                p.space
                    .iter()
                    .position(|s| s.name == input.name)
                    .expect("space"),
            ),
            _ => Input::Param(
                p.params
                    .iter()
                    .position(|q| q.name == input.name)
                    .expect("param"),
            ),
        };
        assert_eq!(
            l.columns(which),
            Some(offset..offset + input.components),
            "{}",
            input.name
        );
        offset += input.components;
    }
    assert_eq!(offset, l.width());
}

#[test]
fn interior_and_time_slice_points_are_inside() {
    let (p, plan) = build(LAYOUT);
    let l = Layout::new(&p);
    let b = sample_interior(&p, &l, 2000, &mut rng(1));
    assert_eq!((b.n, b.width, b.points.len()), (2000, 7, 2000 * 7));
    assert!(b.normals.is_none());
    for i in 0..b.n {
        assert_inside(&p, &l, b.point(i), None);
    }
    let Region::TimeSlice { at } = region(&plan, "initial") else {
        panic!("initial is a time slice")
    };
    let bs = sample_region(&p, &l, region(&plan, "initial"), 500, &mut rng(2));
    assert_eq!(bs.len(), 1);
    for i in 0..bs[0].n {
        assert_eq!(bs[0].point(i)[0], *at);
        assert_inside(&p, &l, bs[0].point(i), None);
    }
}

/// Box components and params are uniform: their means are the midpoints within 4 sigma.
#[test]
fn interior_is_uniform_in_the_box() {
    let (p, _) = build(LAYOUT);
    let l = Layout::new(&p);
    let n = 10_000;
    let b = sample_interior(&p, &l, n, &mut rng(3));
    let ranges = [
        (0.0, 1.0),
        (0.0, 1.0),
        (0.0, 1.0),
        (-1.0, 1.0),
        (2.0, 3.0),
        (0.01, 0.1),
        (-1.0, 1.0),
    ];
    for (c, (lo, hi)) in ranges.iter().enumerate() {
        let mean = (0..n).map(|i| b.point(i)[c]).sum::<f64>() / n as f64;
        let sigma = (hi - lo) / (12.0 * n as f64).sqrt();
        assert!(
            (mean - (lo + hi) / 2.0).abs() < 4.0 * sigma,
            "column {c}: mean {mean}"
        );
    }
}

const BALL: &str = "
time  t in [0, 1]
space x in ball(3, center = [1, -2, 0.5], radius = 2)
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
boundary on(x): u = 0
";

/// Uniform in volume: P(|x - c| < r s) = s^d, checked at s = 1/2 and s = 0.9; the
/// direction is isotropic (mean of x - c near 0).
#[test]
fn ball_interior_is_uniform_in_volume() {
    let (p, _) = build(BALL);
    let l = Layout::new(&p);
    let n = 10_000;
    let b = sample_interior(&p, &l, n, &mut rng(4));
    let c = [1.0, -2.0, 0.5];
    let r: Vec<f64> = (0..n).map(|i| dist(&b.point(i)[1..4], &c)).collect();
    assert!(r.iter().all(|r| *r <= 2.0 * (1.0 + 1e-12)));
    for s in [0.5f64, 0.9] {
        let expect = s.powi(3);
        let got = r.iter().filter(|r| **r < 2.0 * s).count() as f64 / n as f64;
        let sigma = (expect * (1.0 - expect) / n as f64).sqrt();
        assert!(
            (got - expect).abs() < 4.0 * sigma,
            "P(|x| < {s} r) = {got}, expected {expect}"
        );
    }
    for (k, ck) in c.iter().enumerate() {
        let mean = (0..n).map(|i| b.point(i)[1 + k] - ck).sum::<f64>() / n as f64;
        // Var of one component of a uniform point of the ball: r^2 / (d + 2).
        let sigma = (4.0 / 5.0 / n as f64).sqrt();
        assert!(mean.abs() < 4.0 * sigma, "component {k}: mean {mean}");
    }
}

#[test]
fn sphere_points_are_on_the_sphere_with_outward_normals() {
    let (p, plan) = build(BALL);
    let l = Layout::new(&p);
    let Region::Faces { faces } = region(&plan, "boundary on(x)") else {
        panic!("boundary is faces")
    };
    let n = 5000;
    let b = sample_faces(&p, &l, faces, n, &mut rng(5));
    let normals = b.normals.as_ref().expect("normals");
    assert_eq!(normals.len(), n * b.width);
    let mut mean = [0.0; 3];
    for i in 0..n {
        assert_eq!(
            check_face_point(&p, &l, faces, b.point(i), &normals[i * 4..i * 4 + 4]),
            0
        );
        for (k, m) in mean.iter_mut().enumerate() {
            *m += normals[i * 4 + 1 + k] / n as f64;
        }
    }
    // Uniform direction: each component has variance 1/d.
    for m in mean {
        assert!(
            m.abs() < 4.0 * (1.0 / 3.0 / n as f64).sqrt(),
            "mean normal {mean:?}"
        );
    }
}

const BOX: &str = "
time  t in [0, 1]
space x in [0, 1] * [0, 2] * [-1, 2]
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
boundary on(x): u = 0
";

/// Face counts over 10000 draws match the plan's shares (proportional to area) within
/// 4 sigma; every point is exactly on its face with the outward normal.
#[test]
fn box_faces_follow_shares() {
    let (p, plan) = build(BOX);
    let l = Layout::new(&p);
    let Region::Faces { faces } = region(&plan, "boundary on(x)") else {
        panic!("boundary is faces")
    };
    assert_eq!(faces.len(), 6);
    // Areas 6, 6, 3, 3, 2, 2 out of 22.
    let shares: Vec<f64> = faces.iter().map(|f| f.share).collect();
    for (s, a) in shares.iter().zip([6.0, 6.0, 3.0, 3.0, 2.0, 2.0]) {
        assert!((s - a / 22.0).abs() < 1e-12, "{shares:?}");
    }
    let n = 10_000;
    let b = sample_region(&p, &l, region(&plan, "boundary on(x)"), n, &mut rng(6));
    assert_eq!(b.len(), 1);
    let b = &b[0];
    let mut counts = [0usize; 6];
    for i in 0..n {
        counts[check_face_point(&p, &l, faces, b.point(i), b.normal(i).expect("normals"))] += 1;
    }
    for (c, s) in counts.iter().zip(&shares) {
        let expect = n as f64 * s;
        let sigma = (n as f64 * s * (1.0 - s)).sqrt();
        assert!(
            (*c as f64 - expect).abs() < 4.0 * sigma,
            "counts {counts:?}, shares {shares:?}"
        );
    }
}

const MIXED: &str = "
param k in [1, 2]
space x in [0, 1]
space y in ball(2, center = [1, 2], radius = 0.5)
unknown u(x, y)
pde -d(u, x, x) - lap(u, y) = k
boundary x = 0: u = 0
boundary x = 1: dn(u) = 0
boundary on(y): u = 0
";

/// Several space variables: the face variable is on its face, the others inside their
/// domains, the normal only in the face variable's columns.
#[test]
fn faces_of_several_space_variables() {
    let (p, plan) = build(MIXED);
    let l = Layout::new(&p);
    assert_eq!(
        (0..2).map(|k| l.columns.space(k)).collect::<Vec<_>>(),
        vec![Some((0, 1)), Some((1, 2))]
    );
    assert_eq!(l.columns.param(0), Some(3));
    for (name, side) in [("boundary x=0", -1.0), ("boundary x=1", 1.0)] {
        let Region::Faces { faces } = region(&plan, name) else {
            panic!("faces")
        };
        let b = sample_faces(&p, &l, faces, 1000, &mut rng(7));
        for i in 0..b.n {
            check_face_point(&p, &l, faces, b.point(i), b.normal(i).expect("normals"));
            assert_eq!(b.normal(i).expect("normals")[0], side);
        }
    }
    let Region::Faces { faces } = region(&plan, "boundary on(y)") else {
        panic!("faces")
    };
    let b = sample_faces(&p, &l, faces, 1000, &mut rng(8));
    for i in 0..b.n {
        check_face_point(&p, &l, faces, b.point(i), b.normal(i).expect("normals"));
    }
}

/// A hand-made two-face region with unequal shares across variables.
#[test]
fn face_choice_across_variables_follows_shares() {
    let (p, plan) = build(MIXED);
    let l = Layout::new(&p);
    let mut faces = Vec::new();
    for name in ["boundary x=1", "boundary on(y)"] {
        let Region::Faces { faces: f } = region(&plan, name) else {
            panic!("faces")
        };
        faces.extend(f.iter().cloned());
    }
    faces[0].share = 0.3;
    faces[1].share = 0.7;
    let n = 10_000;
    let b = sample_faces(&p, &l, &faces, n, &mut rng(9));
    let on_x = (0..n)
        .filter(|i| {
            check_face_point(&p, &l, &faces, b.point(*i), b.normal(*i).expect("normals")) == 0
        })
        .count() as f64;
    let sigma = (n as f64 * 0.3 * 0.7).sqrt();
    assert!((on_x - 0.3 * n as f64).abs() < 4.0 * sigma, "{on_x}");
    assert_eq!(sample_faces(&p, &l, &[], 10, &mut rng(9)).n, 0);
}

const PERIODIC: &str = "
time  t in [0, 1]
space x in [0, 2] * [-1, 1]
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
periodic x[1]
boundary x[2] = -1: u = 0
boundary x[2] = 1: u = 0
";

#[test]
fn periodic_pairs_are_the_same_point_on_opposite_faces() {
    let (p, plan) = build(PERIODIC);
    let l = Layout::new(&p);
    let (name, reg) = plan
        .terms
        .iter()
        .find(|t| matches!(t.region, Region::Periodic { .. }))
        .map(|t| (t.name.clone(), &t.region))
        .expect("a periodic term");
    assert!(
        matches!(
            reg,
            Region::Periodic {
                var: 0,
                comp: Some(0)
            }
        ),
        "{name}: {reg:?}"
    );
    let n = 1000;
    let bs = sample_region(&p, &l, reg, n, &mut rng(10));
    assert_eq!(bs.len(), 2);
    let (a, b) = (&bs[0], &bs[1]);
    let face = |side| FacePlan {
        face: Face::Side {
            var: 0,
            comp: Some(0),
            side,
        },
        name: String::new(),
        share: 1.0,
    };
    for i in 0..n {
        let (pa, pb) = (a.point(i), b.point(i));
        assert_eq!((pa[1], pb[1]), (0.0, 2.0));
        assert_eq!((pa[0], pa[2]), (pb[0], pb[2]));
        check_face_point(&p, &l, &[face(Side::Lo)], pa, a.normal(i).expect("normals"));
        check_face_point(&p, &l, &[face(Side::Hi)], pb, b.normal(i).expect("normals"));
    }
}

/// The same seed gives bitwise the same batches for every term; another seed does not.
#[test]
fn deterministic_by_seed() {
    for text in [LAYOUT, BALL, BOX, MIXED, PERIODIC] {
        let (p, plan) = build(text);
        let l = Layout::new(&p);
        let draw = |seed| {
            let mut r = rng(seed);
            plan.terms
                .iter()
                .flat_map(|t| sample_region(&p, &l, &t.region, 64, &mut r))
                .collect::<Vec<_>>()
        };
        let (a, b, c) = (draw(42), draw(42), draw(43));
        let bits = |v: &[Batch]| {
            v.iter()
                .flat_map(|b| {
                    b.points
                        .iter()
                        .chain(b.normals.iter().flatten())
                        .map(|x| x.to_bits())
                })
                .collect::<Vec<u64>>()
        };
        assert_eq!(bits(&a), bits(&b));
        assert_ne!(bits(&a), bits(&c));
    }
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
        center: 1.0,
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
        center,
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
        center: 1.0,
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
        center: 50.0,
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
