//! The samplers' tests: every region's points inside their domain and on their faces,
//! the laws' shapes, and the same points for the same seed.
//!
//! This file holds what the tests share: compiling a problem to its plan, the seeded random
//! stream, the checks that a point lies inside its domain or on a face with the outward
//! normal, and the [`LAYOUT`] problem. The tests are in `layout` (the input columns),
//! `regions` (the samplers of each kind of region, and determinism by seed) and `laws` (the
//! coordinate and space-point laws, and `law_fit`).

mod csg;
mod laws;
mod layout;
mod regions;
mod restricted;
mod sequences;

use super::*;
use crate::driver::compile;
use crate::plan::Plan;
use crate::source::SourceFile;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn build(text: &str) -> (Problem, Plan) {
    let (problem, plan, _) = build_with_settings(text);
    (problem, plan)
}

/// [`build`], with the problem's resolved settings.
fn build_with_settings(text: &str) -> (Problem, Plan, crate::settings::PlanSettings) {
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
        // On a surface, rounding may put the point a hair outside.
        Domain::Csg(c) => {
            x.len() == c.dim()
                && (c.contains(x) || c.prims.iter().any(|p| p.near_surface(x, c.step)))
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
            Face::Surface { var, surface } => {
                let (o, n) = l.columns.space(var).expect("columns");
                let Domain::Csg(c) = &p.space[var].domain else {
                    panic!("not a constructive domain")
                };
                let s = &c.surfaces[surface];
                let x = &row[o..o + n];
                let mut own = vec![0.0; n];
                c.prims[s.prim].near_part(s.part, x, c.step * 1e-2)
                    && c.boundary_side(s.prim, s.part, x, &mut own)
                        .is_some_and(|sign| {
                            own.iter()
                                .zip(&normal[o..o + n])
                                .all(|(a, m)| (sign * a - m).abs() < 1e-12)
                        })
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
    let var = faces[i].face.var();
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
