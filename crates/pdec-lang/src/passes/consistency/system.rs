//! `exact` against a system of several unknowns: every condition and every equation whose
//! unknowns all have an `exact` gets each closed form in its unknown's place (derivatives
//! formed symbolically, `dn` as the normal dotted with the gradient) and must hold at the
//! same fixed points as a single unknown's statements (`exact.rs`): the two sides of a
//! condition within `1e-6` of the solutions' size, of an equation within `1e-5` of its terms'
//! size, a periodic coordinate's two faces equal. A statement that reads an unknown without
//! an `exact` (or an unknown coefficient) is not compared. Gauges are not compared: `exact`
//! may carry any constant where the gauge fixes it.
//!
//! Which statement is wrong is guessed as for one unknown: a single condition when the
//! equations agree and at least [`CORROBORATING`] other conditions do; the `exact` of the
//! condition's (or the equation's) unknown otherwise.

use super::exact::{
    CORROBORATING, SYMBOLIC_BUDGET, Verdict, derivative_nodes, equation_verdict, worst,
};
use super::{At, Probe, Sample, affordable, tolerance};
use crate::diag::render::number as num;
use crate::diag::{Diag, Diags};
use crate::ir::diff::Kinks;
use crate::ir::{BinOp, Graph, NodeId, Op, Problem, Where};
use crate::passes::substitute::substitute;
use crate::source::Span;

/// A statement compared with the closed forms, where they disagree most, and the unknown
/// whose `exact` the message points at.
struct Found<'a> {
    at: &'a At,
    what: String,
    unknown: usize,
}

/// The closed forms against every condition and equation of a system.
pub(super) fn check(probe: &Probe, samples: &[Sample], interior: &[At], diags: &mut Diags) {
    let p = probe.problem;
    if !affordable_symbolically(p) {
        return;
    }
    // Substitution adds nodes: a copy keeps the problem as it was.
    let mut g = p.graph.clone();
    let scale = solution_size(probe, samples, interior);
    let mut compared = 0;
    let mut mismatches: Vec<(&Sample, Found)> = Vec::new();
    for s in samples {
        if let Some(verdict) = condition(probe, &mut g, s, scale) {
            compared += 1;
            if let Some(m) = verdict {
                mismatches.push((s, m));
            }
        }
    }
    let mut equations = Vec::new();
    let mut equations_agree = true;
    for (e, pde) in p.pdes.iter().enumerate() {
        let constrained = p
            .constraint
            .as_ref()
            .is_some_and(|c| p.graph.depends_on(pde.residual, c.unknown));
        if constrained {
            continue;
        }
        if let Some(Some(m)) = equation(probe, &mut g, e, interior, scale) {
            equations_agree = false;
            equations.push((e, m));
        }
    }
    let Some((first_sample, first)) = mismatches.first() else {
        if let Some((e, m)) = equations.first() {
            let pde = &p.pdes[*e];
            let mut d = Diag::error(
                "pdec::passes::exact_not_solution",
                format!(
                    "`exact` does not satisfy the equation `{}`: {}",
                    pde.name, m.what
                ),
            )
            .primary(exact_span(p, m.unknown), "not a solution of the equation")
            .secondary(pde.span, "the equation");
            // A vector equation's components share its span: one label each statement.
            let mut labelled = vec![pde.span];
            for (o, _) in &equations[1..] {
                if once(&mut labelled, p.pdes[*o].span) {
                    d = d.secondary(p.pdes[*o].span, "nor of this equation");
                }
            }
            diags.push(d.help(format!(
                "check the exact solutions against the equation (their derivatives are taken symbolically; the residual is measured at {}): a wrong `exact` makes every error metric after training measure the distance to something else",
                probe.describe(m.at)
            )));
        }
        return;
    };
    let cond = first_sample.condition;
    if equations_agree && mismatches.len() == 1 && compared > CORROBORATING {
        diags.push(
            Diag::error(
                "pdec::passes::exact_mismatch",
                format!("`{}` disagrees with `exact`: {}", cond.name, first.what),
            )
            .primary(cond.span, "disagrees with the exact solutions")
            .secondary(
                exact_span(p, first.unknown),
                "satisfies the equations and the other conditions",
            )
            .help(format!(
                "the exact solutions satisfy the equations and every other condition, so this condition is the likely mistake; if an exact solution is what is wrong, correct it instead. The point: {}",
                probe.describe(first.at)
            )),
        );
        return;
    }
    let u = &p.unknowns[first.unknown].name;
    let mut d = Diag::error(
        "pdec::passes::exact_mismatch",
        format!(
            "`exact` disagrees with the condition `{}`: {}",
            cond.name, first.what
        ),
    )
    .primary(
        exact_span(p, first.unknown),
        format!("does not satisfy `{}`", cond.name),
    );
    let mut labelled = Vec::new();
    for (s, _) in &mismatches {
        if once(&mut labelled, s.condition.span) {
            d = d.secondary(
                s.condition.span,
                "the exact solutions disagree with this condition",
            );
        }
    }
    for (e, _) in &equations {
        if once(&mut labelled, p.pdes[*e].span) {
            d = d.secondary(p.pdes[*e].span, "nor do they satisfy this equation");
        }
    }
    diags.push(d.help(format!(
        "an `exact` that is wrong is the usual cause: compare `exact {u}` with what the condition asks at {}; if the condition is what is wrong, correct it instead. A wrong `exact` makes every error metric after training measure the distance to something else",
        probe.describe(first.at)
    )));
}

/// One condition with the closed forms: `None` when not compared, `Some(None)` when it
/// holds, `Some(Some(..))` where it does not.
fn condition<'a>(
    probe: &Probe,
    g: &mut Graph,
    s: &'a Sample<'a>,
    scale: f64,
) -> Option<Option<Found<'a>>> {
    let p = probe.problem;
    let c = s.condition;
    let read = p.graph.unknowns_in(c.residual);
    let unknown = *read.first()?;
    // Periodic: the expression's values on the two faces.
    if let Where::Periodic { .. } = c.region {
        let [value] = closed_forms(p, g, &[c.residual], Kinks::Refused)?[..] else {
            return None;
        };
        let n = affordable(g, &[value]);
        let gaps = s
            .points
            .iter()
            .zip(&s.partners)
            .take(n)
            .filter_map(|(a, b)| {
                let (va, vb) = (
                    probe.value(g, value, a, None)?,
                    probe.value(g, value, b, None)?,
                );
                (va.is_finite() && vb.is_finite()).then_some((a, (va - vb).abs(), (b, va, vb)))
            });
        let v = worst(gaps, tolerance(scale), |a, (b, va, vb)| {
            format!(
                "with `exact` it is {} at {} and {} at {}, on the opposite face",
                num(va),
                probe.describe(a),
                num(vb),
                probe.describe(b)
            )
        });
        return found(v, unknown);
    }
    let (lhs, rhs) = sides(p, g, c.residual, Kinks::Refused)?;
    let n = affordable(g, &[lhs, rhs]);
    let values: Vec<(&At, f64, f64)> = s
        .points
        .iter()
        .take(n)
        .filter_map(|at| {
            let l = probe.value(g, lhs, at, None)?;
            let r = probe.value(g, rhs, at, None)?;
            (l.is_finite() && r.is_finite()).then_some((at, l, r))
        })
        .collect();
    let local = values
        .iter()
        .fold(0.0f64, |m, (_, l, r)| m.max(l.abs()).max(r.abs()));
    let v = worst(
        values
            .into_iter()
            .map(|(at, l, r)| (at, (l - r).abs(), (l, r))),
        tolerance(scale.max(local)),
        |at, (l, r)| {
            format!(
                "at {} its left side is {} with the exact solutions, its right side {}",
                probe.describe(at),
                num(l),
                num(r)
            )
        },
    );
    found(v, unknown)
}

/// Equation `e` with the closed forms at the interior points (off every kink: each side of
/// an `if` or a `max` differentiated on its own), against the size of its terms.
fn equation<'a>(
    probe: &Probe,
    g: &mut Graph,
    e: usize,
    interior: &'a [At],
    scale: f64,
) -> Option<Option<Found<'a>>> {
    let p = probe.problem;
    let residual = p.pdes[e].residual;
    let (lhs, rhs) = sides(p, g, residual, Kinks::Sided)?;
    // The size of the terms: the derivatives of the closed forms the equation reads.
    let derivatives = derivative_nodes(&p.graph, residual);
    let derivatives = closed_forms(p, g, &derivatives, Kinks::Sided).unwrap_or_default();
    let v = equation_verdict(probe, g, (lhs, Some(rhs)), &derivatives, interior, scale);
    found(v, p.pdes[e].unknown)
}

/// The two sides of a residual `lhs - rhs` (the residual and zero when folding left no
/// subtraction) with the closed forms in place of the unknowns.
fn sides(p: &Problem, g: &mut Graph, residual: NodeId, kinks: Kinks) -> Option<(NodeId, NodeId)> {
    match p.graph.op(residual) {
        Op::Binary(BinOp::Sub, a, b) => match closed_forms(p, g, &[*a, *b], kinks)?[..] {
            [l, r] => Some((l, r)),
            _ => None,
        },
        _ => {
            let [l] = closed_forms(p, g, &[residual], kinks)?[..] else {
                return None;
            };
            Some((l, g.constant(0.0, p.graph.node(residual).span)))
        }
    }
}

/// `roots` with every unknown they read replaced by its `exact` (one unknown after the
/// other: a closed form reads no unknown); `None` where an unknown has none or a derivative
/// of one cannot be formed.
fn closed_forms(p: &Problem, g: &mut Graph, roots: &[NodeId], kinks: Kinks) -> Option<Vec<NodeId>> {
    let dims: Vec<Option<usize>> = p.space.iter().map(|s| s.domain.dim()).collect();
    let mut out = roots.to_vec();
    let read: std::collections::BTreeSet<usize> =
        roots.iter().flat_map(|r| p.graph.unknowns_in(*r)).collect();
    for k in read {
        let u = &p.unknowns[k];
        let exact = u.exact?;
        let span = u.exact_span.unwrap_or(u.span);
        let map = substitute(g, &out, k, exact, &dims, span, kinks).ok()?;
        out = out
            .iter()
            .map(|n| map.get(n).copied().unwrap_or(*n))
            .collect();
    }
    Some(out)
}

/// The largest finite value of any closed form at the points probed (at least the smallest
/// normal number): the solutions' size, against which the conditions are compared.
fn solution_size(probe: &Probe, samples: &[Sample], interior: &[At]) -> f64 {
    let p = probe.problem;
    let exacts: Vec<NodeId> = p.unknowns.iter().filter_map(|u| u.exact).collect();
    let n = affordable(&p.graph, &exacts);
    let points = samples
        .iter()
        .flat_map(|s| s.points.iter().chain(&s.partners))
        .chain(interior);
    let mut size = f64::MIN_POSITIVE;
    for at in points.take(n) {
        for e in &exacts {
            if let Some(v) = probe
                .value(&p.graph, *e, at, None)
                .filter(|v| v.is_finite())
            {
                size = size.max(v.abs());
            }
        }
    }
    size
}

/// Whether the closed forms' symbolic derivatives fit [`SYMBOLIC_BUDGET`].
fn affordable_symbolically(p: &Problem) -> bool {
    let g = &p.graph;
    let widest = p
        .space
        .iter()
        .map(|s| s.domain.dim().unwrap_or(1))
        .max()
        .unwrap_or(1);
    let nodes: usize = p
        .unknowns
        .iter()
        .filter_map(|u| u.exact)
        .map(|e| g.reachable(e).len())
        .sum();
    nodes.saturating_mul(widest).saturating_mul(widest) <= SYMBOLIC_BUDGET
}

/// Whether `span` is labelled for the first time (and now is).
fn once(labelled: &mut Vec<Span>, span: Span) -> bool {
    let first = !labelled.contains(&span);
    if first {
        labelled.push(span);
    }
    first
}

/// The `exact` statement of unknown `k` (the unknown's declaration when it has none).
fn exact_span(p: &Problem, k: usize) -> Span {
    let u = &p.unknowns[k];
    u.exact_span.unwrap_or(u.span)
}

/// An `exact.rs` verdict as `None` (not compared), `Some(None)` (holds) or `Some(Some(..))`,
/// with the unknown it is about.
fn found(v: Verdict<'_>, unknown: usize) -> Option<Option<Found<'_>>> {
    match v {
        Verdict::Skipped => None,
        Verdict::Agrees => Some(None),
        Verdict::Differs(m) => Some(Some(Found {
            at: m.at,
            what: m.what,
            unknown,
        })),
    }
}
