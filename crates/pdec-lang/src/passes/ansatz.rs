//! The ansatz pass: `ansatz u = g + h * net` makes the unknown an expression of the network's
//! output, so that conditions `g` meets and `h` does not disturb hold exactly instead of
//! being learned (DeepXDE's `output_transform`, Lagaris et al. 1998).
//!
//! After this pass `Op::U(k)` means the network's output `k` everywhere: the PDE's and the
//! conditions' residuals are rewritten with the ansatz in place of the unknown and its
//! derivatives expanded by the product and chain rules ([`crate::ir::diff`]), so the
//! second-order analysis, the lowering and the training see an ordinary problem in the
//! network. Which conditions the ansatz satisfies is decided numerically, not trusted: each
//! value condition's rewritten residual is evaluated at points of its set with random
//! network outputs, and a condition that vanishes there for every draw is dropped from the
//! loss (`Problem::imposed`); the others stay loss terms. A free-boundary constraint then
//! bounds the ansatz, not the network: training forms its gap from the ansatz's value.

use super::substitute::substitute;

mod defined;
use crate::diag::{Diag, Diags};
use crate::ir::diff::{DiffError, Kinks, diff_along};
use crate::ir::eval::Evaluator;
use crate::ir::{Comp, Coord, NodeId, Op, Problem, Ty, Where};
use crate::source::Span;

/// Points drawn on each face and time slice to decide whether a condition holds exactly.
const CHECK_POINTS: usize = 512;
/// Network outputs tried at each point (independent normal draws, scaled up so that a
/// condition the network can move is far from zero).
const CHECK_DRAWS: usize = 3;
const CHECK_SCALE: f64 = 10.0;
/// A residual below this (relative to the size of the values) counts as zero: f64 rounding
/// of the ansatz's arithmetic, far below any error that training could remove.
const CHECK_TOLERANCE: f64 = 1e-9;

pub fn run(problem: &mut Problem, diags: &mut Diags) {
    if !problem.has_ansatz() {
        return;
    }
    for k in 0..problem.unknowns.len() {
        if !rewrite(problem, k, diags) {
            return;
        }
    }
    let mut kept = Vec::new();
    for c in std::mem::take(&mut problem.conditions) {
        if holds_for_any_network(problem, &c) {
            problem.imposed.push(c.name);
        } else {
            kept.push(c);
        }
    }
    problem.conditions = kept;
    // The first ansatz's span: the one the message points at (one unknown in practice).
    let span = problem
        .unknowns
        .iter()
        .find_map(|u| u.ansatz.as_ref().map(|a| a.span));
    for c in &problem.conditions {
        if let (Some(point), Some(span)) = (defined::undefined_at(problem, c), span) {
            diags.push(defined::diag(c, &point, span));
        }
    }
}

/// Unknown `k`'s ansatz put in its place in every equation and condition; false (and an
/// error) when its derivatives cannot be formed.
fn rewrite(problem: &mut Problem, k: usize, diags: &mut Diags) -> bool {
    let Some(ansatz) = problem.unknowns[k].ansatz.clone() else {
        return true;
    };
    // An observation compares the unknown, which the ansatz makes from the network, too.
    let roots = super::substitute::term_roots(problem);
    let dims: Vec<Option<usize>> = problem.space.iter().map(|s| s.domain.dim()).collect();
    let rewritten = substitute(
        &mut problem.graph,
        &roots,
        k,
        ansatz.node,
        &dims,
        ansatz.span,
        Kinks::Refused,
    )
    .and_then(|map| Ok((map, space_gradient(problem, ansatz.node, ansatz.span)?)));
    let (map, gradient) = match rewritten {
        Ok(r) => r,
        Err(e) => {
            let why = match e {
                DiffError::NotDifferentiable(what) => {
                    format!("differentiating it meets {what}, which has no derivative here")
                }
                DiffError::OrderTooHigh => "it would need third derivatives of the network".into(),
                DiffError::Type(t) => format!("{t:?}"),
            };
            diags.push(
                Diag::error(
                    "pdec::passes::ansatz_not_differentiable",
                    "the problem's derivatives of the ansatz cannot be formed",
                )
                .primary(ansatz.span, why)
                .help("build the ansatz from smooth functions (`exp`, `tanh`, products, powers) and leave a kinked condition such as a payoff a loss term; write a Hessian as its entries `d(u, x[i], x[j])`"),
            );
            return false;
        }
    };
    super::substitute::remap_terms(problem, &map);
    if let Some(a) = &mut problem.unknowns[k].ansatz {
        a.space_gradient = gradient;
    }
    true
}

/// `d(a) / d(x_k)` for every space column, in column order (the order `Ansatz::slope` reads).
fn space_gradient(p: &mut Problem, a: NodeId, span: Span) -> Result<Vec<NodeId>, DiffError> {
    let mut out = Vec::new();
    for var in 0..p.space.len() {
        let comps: Vec<Comp> = match p.space[var].domain.dim() {
            None => vec![Comp::Scalar],
            Some(d) => (0..d).map(Comp::Fixed).collect(),
        };
        for comp in comps {
            out.push(diff_along(
                &mut p.graph,
                a,
                Coord::Space { var, comp },
                span,
            )?);
        }
    }
    Ok(out)
}

/// Does the condition's (rewritten) residual vanish on its set whatever the network outputs?
/// Only value conditions are decided (a residual with derivatives of the network needs its
/// jets, and such conditions stay loss terms).
fn holds_for_any_network(p: &Problem, c: &crate::ir::Condition) -> bool {
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};
    if p.graph.any(c.residual, &mut |op| {
        matches!(op, Op::Deriv(..) | Op::NormalDeriv(_))
    }) {
        return false;
    }
    let layout = crate::geometry::Layout::new(p);
    // Fixed seed: whether a condition is imposed must not change from run to run.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x616e_7361_747a);
    let batches: Vec<crate::geometry::Batch> = match &c.region {
        Where::TimeSlice { at, .. } => vec![crate::geometry::sample_time_slice(
            p,
            &layout,
            *at,
            CHECK_POINTS,
            &mut rng,
        )],
        Where::Faces { faces, restriction } => {
            crate::geometry::region::FacePlan::each(faces, restriction.as_ref())
                .into_iter()
                .map(|plan| {
                    crate::geometry::sample_faces(p, &layout, &[plan], CHECK_POINTS, &mut rng)
                })
                .collect()
        }
        Where::Periodic { .. } => return false,
    };
    let n = p.unknowns.len();
    for b in &batches {
        for _ in 0..CHECK_DRAWS {
            // Independent outputs for every unknown at every point.
            let draws: Vec<f64> = (0..b.n * n)
                .map(|_| CHECK_SCALE * Distribution::<f64>::sample(&StandardNormal, &mut rng))
                .collect();
            // And any value of each unknown coefficient in its range.
            let coefs: Vec<f64> = p
                .coefficients
                .iter()
                .map(|c| {
                    let u: f64 = rand_distr::Distribution::<f64>::sample(
                        &rand_distr::StandardUniform,
                        &mut rng,
                    );
                    match c.log {
                        true => (c.lo.ln() + u * (c.hi.ln() - c.lo.ln())).exp(),
                        false => c.lo + u * (c.hi - c.lo),
                    }
                })
                .collect();
            let rows = || b.points.chunks(b.width).zip(draws.chunks(n));
            let at = |node| -> Option<Vec<f64>> {
                let node = Evaluator::new(&p.graph, node);
                rows()
                    .map(|(row, nets)| value_with(p, &layout, row, (nets, &coefs), &node))
                    .collect()
            };
            let Some(res) = at(c.residual) else {
                return false;
            };
            let mut made = Vec::new();
            for a in p.unknowns.iter().filter_map(|u| u.ansatz.as_ref()) {
                let Some(v) = at(a.node) else { return false };
                made.extend(v);
            }
            // The residual against the size of what it compares, over the whole set.
            let scale = made
                .iter()
                .chain(&draws)
                .fold(1.0f64, |m, v| m.max(v.abs()));
            if !res
                .iter()
                .all(|r| r.is_finite() && r.abs() <= CHECK_TOLERANCE * scale)
            {
                return false;
            }
        }
    }
    true
}

/// A scalar node's value at one point (a row of network inputs) where the unknowns (or the
/// network's outputs) are `net`, one per unknown, and the unknown coefficients their initial
/// values, by the IR's own evaluator; `None` when it needs more (a derivative, a normal).
#[cfg(test)]
pub(crate) fn value_at(
    p: &Problem,
    layout: &crate::geometry::Layout,
    row: &[f64],
    net: &[f64],
    node: NodeId,
) -> Option<f64> {
    value_by(p, layout, row, net, &Evaluator::new(&p.graph, node))
}

/// [`value_at`] with the node's evaluator built once (for many points).
pub(crate) fn value_by(
    p: &Problem,
    layout: &crate::geometry::Layout,
    row: &[f64],
    net: &[f64],
    node: &Evaluator,
) -> Option<f64> {
    let initial: Vec<f64> = p.coefficients.iter().map(|c| c.init).collect();
    value_with(p, layout, row, (net, &initial), node)
}

/// [`value_at`] with the unknown coefficients `coefs` (in declaration order).
fn value_with(
    p: &Problem,
    layout: &crate::geometry::Layout,
    row: &[f64],
    (net, coefs): (&[f64], &[f64]),
    node: &Evaluator,
) -> Option<f64> {
    use crate::ir::eval::{Dense, Layout};
    use std::borrow::Cow;
    let value_of = |op: &Op, ty: &Ty| -> Option<Dense<'static>> {
        let data = match op {
            Op::Input(i) => row.get(layout.columns(*i)?)?.to_vec(),
            Op::U(k) => vec![*net.get(*k)?],
            Op::Coef(k) => vec![*coefs.get(*k)?],
            _ => return None,
        };
        Some(Dense {
            layout: Layout::of(&p.graph, ty),
            data: Cow::Owned(data),
        })
    };
    let v = node.eval(&value_of)?;
    (v.data.len() == 1).then(|| v.data[0])
}

#[cfg(test)]
mod tests {
    use crate::driver::compile;
    use crate::source::SourceFile;

    const BURGERS: &str = "param a in [-1, 1]\nparam b in [-1, 1]\ntime t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\n\
        pde d(u, t) = 0.05 * d(u, x, x) - u * d(u, x)\ninitial u = a + (b - a) * x\n\
        boundary x = 0: u = a\nboundary x = 1: u = b\n";

    fn compiled(src: &str) -> crate::driver::Compiled {
        compile(
            SourceFile {
                name: "t.pde".into(),
                text: src.into(),
            },
            &[],
        )
    }

    fn names(c: &crate::driver::Compiled) -> (Vec<String>, Vec<String>) {
        assert!(!c.diags.has_errors(), "{:#?}", c.diags);
        let p = &c.checked.as_ref().expect("checked").problem;
        let kept = p.conditions.iter().map(|c| c.name.clone()).collect();
        (p.imposed.clone(), kept)
    }

    #[test]
    fn conditions_the_ansatz_meets_for_any_network_have_no_loss_term() {
        let c = compiled(&format!(
            "{BURGERS}ansatz u = a + (b - a) * x + t * x * (1 - x) * net\n"
        ));
        let (imposed, kept) = names(&c);
        assert_eq!(imposed, ["initial", "boundary x=0", "boundary x=1"]);
        assert!(kept.is_empty());
        let plan = c.plan.expect("a plan");
        let terms: Vec<&str> = plan.terms.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(terms, ["pde"]);
    }

    #[test]
    fn conditions_the_network_can_still_move_stay_loss_terms() {
        // Meets the initial values only: `x (1 - x)` is missing from the network's factor.
        let c = compiled(&format!("{BURGERS}ansatz u = a + (b - a) * x + t * net\n"));
        let (imposed, kept) = names(&c);
        assert_eq!(imposed, ["initial"]);
        assert_eq!(kept, ["boundary x=0", "boundary x=1"]);
        // Held at `b` on both ends and at the start: right at `x = 1` only.
        let c = compiled(&format!("{BURGERS}ansatz u = b + t * x * (1 - x) * net\n"));
        let (imposed, kept) = names(&c);
        assert_eq!(imposed, ["boundary x=1"]);
        assert_eq!(kept, ["initial", "boundary x=0"]);
    }

    #[test]
    fn every_face_of_a_box_is_checked() {
        // Zero on x[1] = 0 and x[1] = 1 only: the faces of x[2] stay a loss term.
        let src = "space x in [0, 1]^2\nunknown u(x)\npde lap(u) = 1\nboundary on(x): u = 0\n\
            ansatz u = x[1] * (1 - x[1]) * net\n";
        let (imposed, kept) = names(&compiled(src));
        assert!(imposed.is_empty());
        assert_eq!(kept.len(), 1);
        let src = "space x in [0, 1]^2\nunknown u(x)\npde lap(u) = 1\nboundary on(x): u = 0\n\
            ansatz u = x[1] * (1 - x[1]) * x[2] * (1 - x[2]) * net\n";
        let (imposed, kept) = names(&compiled(src));
        assert_eq!(imposed.len(), 1);
        assert!(kept.is_empty());
    }

    #[test]
    fn each_space_component_has_its_slope() {
        let src = "space y in [0, 1]\nspace x in [0, 1]^2\nunknown u(y, x)\npde lap(u) = 1\n\
            boundary on(x): u = 0\nboundary on(y): u = 0\nansatz u = 5 * y + 7 * x[1] + 11 * x[2] + y * net\n";
        let c = compiled(src);
        assert!(!c.diags.has_errors(), "{:#?}", c.diags);
        let p = &c.checked.as_ref().expect("checked").problem;
        let a = p.unknowns[0].ansatz.as_ref().expect("ansatz");
        let printed = |var, comp| {
            let node = a.slope(&p.space, var, comp).expect("slope");
            crate::ir::print::Printer { problem: p }.expr(node)
        };
        let (dy, dx1, dx2) = (printed(0, None), printed(1, Some(0)), printed(1, Some(1)));
        assert!(dy.contains('5') && dy.contains("net"), "{dy}");
        assert!(dx1.contains('7') && !dx1.contains("11"), "{dx1}");
        assert!(dx2.contains("11") && !dx2.contains('7'), "{dx2}");
        assert_eq!(a.slope(&p.space, 1, Some(2)), None);
        assert_eq!(a.slope(&p.space, 2, None), None);
    }

    #[test]
    fn the_residual_is_written_in_the_network() {
        let c = compiled(&format!("{BURGERS}ansatz u = a + (b - a) * x + t * net\n"));
        let p = &c.checked.as_ref().expect("checked").problem;
        let text = crate::ir::print::Printer { problem: p }.expr(p.pdes[0].residual);
        assert!(text.contains("d(net, x, x)"), "{text}");
        assert!(text.contains("d(net, t)"), "{text}");
    }
}
