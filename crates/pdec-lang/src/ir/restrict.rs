//! Restrictions of boundary loci (`boundary x[1] = -1 where x[2] > 0: ...`): a truth value of
//! the point of one space variable, which picks the part of the locus's faces a condition is
//! on. The checker measures, on points drawn uniformly on each face ([`face_point`]), the
//! share of each face the restriction keeps; training draws on a restricted face by
//! rejection with that share as its acceptance rate.

use super::eval::{Dense, Layout, eval_at};
use super::{Domain, Face, Graph, Input, NodeId, Op, Side, Ty};
use rand::{Rng, RngExt};
use serde::Serialize;
use std::borrow::Cow;

/// `where CONDITION` on a locus.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Restriction {
    /// A truth value (a comparison, or comparisons joined by `and`, `or`, `not`) of the point
    /// of space variable `var` and of constants.
    pub node: NodeId,
    pub var: usize,
    /// The condition as written, for `pdec explain`.
    pub text: String,
    /// Per face of the condition (in its order): the share of the face's area the
    /// restriction keeps, measured on [`SHARE_DRAWS`] points.
    pub shares: Vec<f64>,
}

/// Points drawn on each face to measure a restriction's share of it and to check that the
/// restrictions of one face's conditions cover it once.
pub const SHARE_DRAWS: usize = 2000;

/// Tries of a restricted face's rejection sampler before it keeps a draw that fails.
pub const MAX_TRIES: usize = 100_000;

/// Does the restriction `node` hold at `x`, the point of space variable `var`? False where
/// it cannot be evaluated.
pub fn holds(g: &Graph, node: NodeId, var: usize, x: &[f64]) -> bool {
    let value_of = |op: &Op, ty: &Ty| -> Option<Dense<'static>> {
        match op {
            Op::Input(Input::Space(k)) if *k == var => {
                let layout = Layout::of(g, ty);
                (layout.numel() == x.len()).then(|| Dense {
                    layout,
                    data: Cow::Owned(x.to_vec()),
                })
            }
            _ => None,
        }
    };
    eval_at(g, node, &value_of).is_some_and(|v| v.data.len() == 1 && v.data[0] != 0.0)
}

/// A point uniform on `face` of `domain` (the face's own variable's components), into `out`.
pub fn face_point(domain: &Domain, face: Face, rng: &mut impl Rng, out: &mut [f64]) {
    match (face, domain) {
        (Face::Side { comp, side, .. }, _) => {
            let bounds = domain.bounds();
            for (o, (a, b)) in out.iter_mut().zip(&bounds) {
                *o = a + (b - a) * rng.random::<f64>();
            }
            let k = comp.unwrap_or(0);
            out[k] = match side {
                Side::Lo => bounds[k].0,
                Side::Hi => bounds[k].1,
            };
        }
        (Face::Sphere { .. }, Domain::Ball { center, radius }) => {
            let mut n = 0.0;
            while n < 1e-12 {
                for o in out.iter_mut() {
                    // A direction from a Gaussian by Box-Muller.
                    let (u1, u2) = (1.0 - rng.random::<f64>(), rng.random::<f64>());
                    *o = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
                }
                n = out.iter().map(|v| v * v).sum::<f64>().sqrt();
            }
            for (o, c) in out.iter_mut().zip(center) {
                *o = c + radius * *o / n;
            }
        }
        (Face::Surface { surface, .. }, Domain::Csg(c)) => {
            let mut normal = vec![0.0; out.len()];
            c.sample_surface(&c.surfaces[surface], rng, out, &mut normal);
        }
        // A sphere or surface of a domain of another kind names no point.
        _ => out.iter_mut().for_each(|o| *o = f64::NAN),
    }
}

/// [`SHARE_DRAWS`] points uniform on `face`, drawn with `seed` (the same run after run).
pub fn face_draws(domain: &Domain, face: Face, seed: u64) -> Vec<Vec<f64>> {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let d = domain.dim().unwrap_or(1);
    (0..SHARE_DRAWS)
        .map(|_| {
            let mut p = vec![0.0; d];
            face_point(domain, face, &mut rng, &mut p);
            p
        })
        .collect()
}
