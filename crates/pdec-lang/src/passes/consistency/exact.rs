//! `exact` against the problem: the closed form must give each value condition's data on its
//! slice or faces, satisfy each condition on derivatives (its derivatives formed
//! symbolically; skipped where it has none, at a kink the slice or face may sit on), be equal
//! on the two faces of a periodic coordinate, and satisfy the equation inside (at random
//! points, off every kink, where each side of an `if` or a `max` is differentiated; skipped
//! with a free-boundary constraint, where the equation holds only off the exercise region).
//! An `exact` that disagrees would make every error metric after training measure the
//! distance to something else.
//!
//! Which statement is wrong is a guess, and the diagnostic's primary label makes it: the
//! condition, when the exact solution satisfies the equation and at least
//! [`CORROBORATING`] other conditions, all it was compared with (a wrong Robin datum under a
//! right solution); the `exact` statement otherwise, the usual cause (twice a solution of a
//! linear problem with zero boundary data satisfies the equation and the boundary and misses
//! only the initial data).

use super::obstacle::exact_span;
use super::{At, Probe, Sample, affordable, tolerance};
use crate::diag::render::number as num;
use crate::diag::{Diag, Diags};
use crate::ir::diff::Kinks;
use crate::ir::{BinOp, Graph, NodeId, Op, Where};
use crate::passes::substitute::substitute;

/// The equation's residual with the exact solution may be this share of its terms' size
/// (looser than the conditions': derivatives of approximations such as `erf` are exact).
const EQUATION_TOLERANCE: f64 = 1e-5;

/// Differentiating the exact solution along a vector of `n` components builds `n x n`
/// constants for each of its nodes: beyond this many elements (`d = 1000` with a dozen
/// nodes), the symbolic comparisons (the equation, conditions on derivatives) are skipped.
pub(super) const SYMBOLIC_BUDGET: usize = 1 << 22;

/// Other conditions the exact solution must satisfy, besides the equation, before a single
/// disagreeing condition rather than `exact` is called the mistake.
pub(super) const CORROBORATING: usize = 2;

/// Where the exact solution and a condition (or the equation) disagree most.
pub(super) struct Mismatch<'a> {
    pub(super) at: &'a At,
    /// In words: what each side gives there.
    pub(super) what: String,
}

/// What comparing the exact solution with a condition (or the equation) found.
pub(super) enum Verdict<'a> {
    Agrees,
    Differs(Mismatch<'a>),
    /// Not compared: no point where both sides are finite, or no derivative of `exact`.
    Skipped,
}

/// The exact solution against every condition and the equation.
pub(super) fn check(
    probe: &Probe,
    exact: NodeId,
    samples: &[Sample],
    interior: &[At],
    scale: f64,
    diags: &mut Diags,
) {
    let p = probe.problem;
    let symbolic = symbolic_affordable(probe, exact);
    // Substitution adds nodes: a copy of the graph keeps the problem as it was (and only the
    // symbolic comparisons read it).
    let mut g = match symbolic {
        true => p.graph.clone(),
        false => Graph::default(),
    };
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for s in samples {
        match compare(probe, &mut g, exact, s, scale, symbolic) {
            Verdict::Agrees => compared += 1,
            Verdict::Differs(m) => {
                compared += 1;
                mismatches.push((s, m));
            }
            Verdict::Skipped => {}
        }
    }
    let equation = match p.constraint {
        None if symbolic => equation(probe, &mut g, exact, interior, scale),
        _ => Verdict::Skipped,
    };
    let span = exact_span(probe, exact);
    let u = &probe.unknown.name;
    let Some((first_sample, first)) = mismatches.first() else {
        if let Verdict::Differs(m) = equation {
            diags.push(
                Diag::error(
                    "pdec::passes::exact_not_solution",
                    format!("`exact` does not satisfy the equation: {}", m.what),
                )
                .primary(span, "not a solution of the equation")
                .secondary(p.pdes[0].span, "the equation")
                .help(format!(
                    "check the exact solution against the equation (its derivatives are taken symbolically; the residual is measured at {}): a wrong `exact` makes every error metric after training measure the distance to something else",
                    probe.describe(m.at)
                )),
            );
        }
        return;
    };
    let blame_condition =
        matches!(equation, Verdict::Agrees) && mismatches.len() == 1 && compared > CORROBORATING;
    let cond = first_sample.condition;
    if blame_condition {
        diags.push(
            Diag::error(
                "pdec::passes::exact_mismatch",
                format!("`{}` disagrees with `exact`: {}", cond.name, first.what),
            )
            .primary(cond.span, "disagrees with the exact solution")
            .secondary(span, "satisfies the equation and the other conditions")
            .help(format!(
                "`exact` satisfies the equation and every other condition, so this condition is the likely mistake; if the exact solution is what is wrong, correct it instead (an `exact` for another problem makes the error metrics meaningless). The point: {}",
                probe.describe(first.at)
            )),
        );
        return;
    }
    let mut d = Diag::error(
        "pdec::passes::exact_mismatch",
        format!(
            "`exact` disagrees with the condition `{}`: {}",
            cond.name, first.what
        ),
    )
    .primary(span, format!("does not satisfy `{}`", cond.name));
    for (s, _) in &mismatches {
        d = d.secondary(
            s.condition.span,
            "the exact solution disagrees with this condition",
        );
    }
    if let Verdict::Differs(_) = equation {
        d = d.secondary(p.pdes[0].span, "nor does it satisfy the equation");
    }
    diags.push(d.help(format!(
        "an `exact` that is wrong is the usual cause: compare it with what the condition asks of `{u}` at {}; if the condition is what is wrong, correct it instead. A wrong `exact` makes every error metric after training measure the distance to something else",
        probe.describe(first.at)
    )));
}

/// The exact solution against one condition at its points.
fn compare<'a>(
    probe: &Probe,
    g: &mut Graph,
    exact: NodeId,
    s: &'a Sample<'a>,
    scale: f64,
    symbolic: bool,
) -> Verdict<'a> {
    let u = &probe.unknown.name;
    let tol = tolerance(scale);
    // Periodic: the same value on both faces.
    if let Where::Periodic { .. } = s.condition.region {
        let pairs = s.points.iter().zip(&s.partners).filter_map(|(a, b)| {
            let (ea, eb) = (a.exact?, b.exact?);
            Some((a, (ea - eb).abs(), (b, ea, eb)))
        });
        return worst(pairs, tol, |a, (b, ea, eb)| {
            format!(
                "`exact` is {} at {} and {} at {}, on the opposite face",
                num(ea),
                probe.describe(a),
                num(eb),
                probe.describe(b)
            )
        });
    }
    // Value conditions: the data against the exact values.
    if let Some(data) = &s.data {
        let pairs = s.points.iter().zip(data).filter_map(|(at, v)| {
            let (given, e) = ((*v)?, at.exact?);
            Some((at, (given - e).abs(), (given, e)))
        });
        return worst(pairs, tol, |at, (given, e)| {
            format!(
                "at {} the condition gives {u} = {}, `exact` gives {}",
                probe.describe(at),
                num(given),
                num(e)
            )
        });
    }
    // Other conditions: the exact solution put into the residual, both sides evaluated.
    if !symbolic {
        return Verdict::Skipped;
    }
    // Strict: a slice or a face may sit on a kink (`if t < T` at `t = T`).
    let Some((lhs, rhs)) = substituted_sides(probe, g, exact, s.condition.residual, Kinks::Refused)
    else {
        return Verdict::Skipped;
    };
    let sides: Vec<(&At, f64, f64)> = s
        .points
        .iter()
        .take(affordable(
            g,
            &[lhs].into_iter().chain(rhs).collect::<Vec<_>>(),
        ))
        .filter_map(|at| {
            let l = probe.value(g, lhs, at, None)?;
            let r = match rhs {
                Some(r) => probe.value(g, r, at, None)?,
                None => 0.0,
            };
            (l.is_finite() && r.is_finite()).then_some((at, l, r))
        })
        .collect();
    let local = sides
        .iter()
        .fold(0.0f64, |m, (_, l, r)| m.max(l.abs()).max(r.abs()));
    let tol = tolerance(scale.max(local));
    worst(
        sides
            .into_iter()
            .map(|(at, l, r)| (at, (l - r).abs(), (l, r))),
        tol,
        |at, (l, r)| {
            format!(
                "at {} the condition's left side is {} with `exact`, its right side {}",
                probe.describe(at),
                num(l),
                num(r)
            )
        },
    )
}

/// The equation's residual with the exact solution, at the interior points.
fn equation<'a>(
    probe: &Probe,
    g: &mut Graph,
    exact: NodeId,
    interior: &'a [At],
    scale: f64,
) -> Verdict<'a> {
    let p = probe.problem;
    let residual = p.pdes[0].residual;
    // Side by side: random interior points are off every switch of an `if` or a `max`.
    let Some((lhs, rhs)) = substituted_sides(probe, g, exact, residual, Kinks::Sided) else {
        return Verdict::Skipped;
    };
    // The size of the terms: the derivatives of the exact solution the equation reads.
    let dims: Vec<Option<usize>> = p.space.iter().map(|s| s.domain.dim()).collect();
    let span = p.pdes[0].span;
    let derivatives: Vec<NodeId> = derivative_nodes(&p.graph, residual)
        .into_iter()
        .filter_map(|d| {
            substitute(g, &[d], 0, exact, &dims, span, Kinks::Sided)
                .ok()?
                .get(&d)
                .copied()
        })
        .collect();
    equation_verdict(probe, g, (lhs, rhs), &derivatives, interior, scale)
}

/// An equation's residual `lhs - rhs` (`lhs` alone without `rhs`) with the exact solution
/// in, at the interior points where both sides are finite, against the size of its terms
/// (the sides and the `derivatives` of the exact solution it reads): the worst beyond
/// [`EQUATION_TOLERANCE`] of that size, said in words.
pub(super) fn equation_verdict<'a>(
    probe: &Probe,
    g: &Graph,
    (lhs, rhs): (NodeId, Option<NodeId>),
    derivatives: &[NodeId],
    interior: &'a [At],
    scale: f64,
) -> Verdict<'a> {
    let mut local = 0.0f64;
    let mut residuals = Vec::new();
    let read: Vec<NodeId> = [lhs]
        .into_iter()
        .chain(rhs)
        .chain(derivatives.iter().copied())
        .collect();
    for at in interior.iter().take(affordable(g, &read)) {
        let (Some(l), Some(r)) = (
            probe.value(g, lhs, at, None),
            match rhs {
                Some(r) => probe.value(g, r, at, None),
                None => Some(0.0),
            },
        ) else {
            continue;
        };
        if !(l.is_finite() && r.is_finite()) {
            continue;
        }
        local = local.max(l.abs()).max(r.abs());
        for d in derivatives {
            for v in probe.values(g, *d, at).unwrap_or_default() {
                if v.is_finite() {
                    local = local.max(v.abs());
                }
            }
        }
        residuals.push((at, l - r));
    }
    let tol = EQUATION_TOLERANCE * scale.max(local);
    worst(
        residuals.into_iter().map(|(at, r)| (at, r.abs(), r)),
        tol,
        |at, r| {
            format!(
                "at {} its residual (left side minus right side) is {}, against terms of size {}",
                probe.describe(at),
                num(r),
                num(local)
            )
        },
    )
}

/// The two sides of a residual `lhs - rhs` (or the residual alone, when folding left no
/// subtraction) with the exact solution in place of the unknown; `None` where a derivative of
/// the exact solution cannot be formed.
fn substituted_sides(
    probe: &Probe,
    g: &mut Graph,
    exact: NodeId,
    residual: NodeId,
    kinks: Kinks,
) -> Option<(NodeId, Option<NodeId>)> {
    let p = probe.problem;
    let dims: Vec<Option<usize>> = p.space.iter().map(|s| s.domain.dim()).collect();
    let span = probe.unknown.exact_span.unwrap_or(p.pdes[0].span);
    let map = substitute(g, &[residual], 0, exact, &dims, span, kinks).ok()?;
    let sides = match p.graph.op(residual) {
        Op::Binary(BinOp::Sub, a, b) => (*map.get(a)?, Some(*map.get(b)?)),
        _ => (*map.get(&residual)?, None),
    };
    Some(sides)
}

/// Whether the exact solution's derivatives fit [`SYMBOLIC_BUDGET`]: its nodes times the
/// square of the widest space variable it reads.
fn symbolic_affordable(probe: &Probe, exact: NodeId) -> bool {
    let p = probe.problem;
    let g = &p.graph;
    let widest = (0..p.space.len())
        .filter(|k| g.depends_on_input(exact, crate::ir::Input::Space(*k)))
        .map(|k| p.space[k].domain.dim().unwrap_or(1))
        .max()
        .unwrap_or(1);
    let mut nodes = 0usize;
    g.any(exact, &mut |_| {
        nodes += 1;
        false
    });
    nodes.saturating_mul(widest).saturating_mul(widest) <= SYMBOLIC_BUDGET
}

/// The derivatives of the unknown that `root` reads.
pub(super) fn derivative_nodes(g: &Graph, root: NodeId) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    let mut seen = std::collections::HashSet::new();
    while let Some(n) = stack.pop() {
        if !seen.insert(n) {
            continue;
        }
        if matches!(g.op(n), Op::Deriv(..)) {
            out.push(n);
        }
        stack.extend(crate::ir::children(g.op(n)));
    }
    out.sort();
    out
}

/// The worst of some differences, when it is beyond the tolerance (the first such point on a
/// tie, so the verdict depends on nothing but the points), said in words by `say`.
pub(super) fn worst<'a, T>(
    diffs: impl Iterator<Item = (&'a At, f64, T)>,
    tol: f64,
    say: impl Fn(&At, T) -> String,
) -> Verdict<'a> {
    let mut any = false;
    let mut worst: Option<(&At, f64, T)> = None;
    for (at, gap, detail) in diffs {
        any = true;
        if gap > tol && worst.as_ref().is_none_or(|w| gap > w.1) {
            worst = Some((at, gap, detail));
        }
    }
    match (worst, any) {
        (Some((at, _, detail)), _) => Verdict::Differs(Mismatch {
            at,
            what: say(at, detail),
        }),
        (None, true) => Verdict::Agrees,
        (None, false) => Verdict::Skipped,
    }
}
