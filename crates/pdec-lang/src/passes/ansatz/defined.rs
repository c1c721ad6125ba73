//! A condition left as a loss term must be defined on its own set once the ansatz is put in
//! the unknown's place. It need not be: `u = dist(boundary) * net` joins levels by
//! `1 / (1 / phi_1 + ... )`, whose derivatives are `inf / inf` where a level vanishes, so a
//! `dn(u)` on a piece `dist` zeroes is NaN at every point of it and training stops at its
//! first step. Found the way the imposed conditions are: the rewritten residual evaluated at
//! points of the condition's set, the network's value and derivatives drawn at random.

use crate::diag::Diag;
use crate::ir::{Condition, Input, Op, Problem, Ty, Where};
use crate::source::Span;

/// Points drawn on each face of the condition.
const POINTS: usize = 64;

/// A point of the condition's set where its residual is not a number whatever the network,
/// or `None`.
pub(super) fn undefined_at(p: &Problem, c: &Condition) -> Option<Vec<f64>> {
    use crate::ir::eval::{Dense, Layout};
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};
    use std::borrow::Cow;
    let Where::Faces { faces, restriction } = &c.region else {
        return None;
    };
    let layout = crate::geometry::Layout::new(p);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x6465_6669_6e65);
    let residual = crate::ir::eval::Evaluator::new(&p.graph, c.residual);
    for plan in crate::geometry::region::FacePlan::each(faces, restriction.as_ref()) {
        let b = crate::geometry::sample_faces(p, &layout, &[plan], POINTS, &mut rng);
        for i in 0..b.n {
            let row = &b.points[i * b.width..(i + 1) * b.width];
            let normal = b
                .normals
                .as_ref()
                .map(|n| &n[i * b.width..(i + 1) * b.width]);
            let draws: Vec<f64> = (0..8)
                .map(|_| Distribution::<f64>::sample(&StandardNormal, &mut rng))
                .collect();
            let value_of = |op: &Op, ty: &Ty| -> Option<Dense<'static>> {
                let l = Layout::of(&p.graph, ty);
                let data = match op {
                    Op::Input(input) => row.get(layout.columns(*input)?)?.to_vec(),
                    Op::Normal(var) => normal?.get(layout.columns(Input::Space(*var))?)?.to_vec(),
                    // The network's value and derivatives: any numbers.
                    Op::U(_) | Op::Deriv(..) | Op::NormalDeriv(_) => {
                        (0..l.numel()).map(|k| draws[k % draws.len()]).collect()
                    }
                    _ => return None,
                };
                Some(Dense {
                    layout: l,
                    data: Cow::Owned(data),
                })
            };
            let v = residual.eval(&value_of)?;
            if v.data.iter().any(|x| !x.is_finite()) {
                return Some(layout_point(p, &layout, row));
            }
        }
    }
    None
}

/// The space coordinates of a row, for the message.
fn layout_point(p: &Problem, layout: &crate::geometry::Layout, row: &[f64]) -> Vec<f64> {
    (0..p.space.len())
        .filter_map(|v| layout.columns(Input::Space(v)))
        .flat_map(|r| row[r].to_vec())
        .collect()
}

/// The error for condition `c`, undefined at `point` under the ansatz written at `ansatz`.
pub(super) fn diag(c: &Condition, point: &[f64], ansatz: Span) -> Diag {
    let at: Vec<String> = point
        .iter()
        .map(|v| crate::syntax::print::format_number((v * 1e4).round() / 1e4))
        .collect();
    Diag::error(
        "pdec::passes::ansatz_undefined_on_condition",
        format!(
            "`{}` is not defined on its own boundary once the ansatz is put in",
            c.name
        ),
    )
    .primary(
        c.span,
        format!("not a number at [{}] whatever the network", at.join(", ")),
    )
    .secondary(ansatz, "its derivatives are not defined on that piece")
    .help("a `dn(u)` condition belongs on a piece the ansatz's `dist` leaves out: write `dist(...)` of the pieces whose values are given (`dist(outer)`, not `dist(boundary)`), and leave this condition a loss term")
}
