//! A free-boundary constraint against the data: `constraint u >= g` holds everywhere, the
//! closure of the domain included, so data the conditions give `u` on a time slice or a face
//! below the obstacle (above it for `<=`) contradict it, and so does an `exact` solution that
//! crosses it (a put's obstacle with a call's payoff at maturity: the network would be asked
//! for both). Reported at the worst point, with the gap.

use super::{At, Probe, Sample, tolerance};
use crate::diag::render::number as num;
use crate::diag::{Diag, Diags};
use crate::ir::{Constraint, NodeId, Where};

/// The worst violation over some points: the point, the value and the obstacle there.
struct Worst<'p> {
    at: &'p At,
    value: f64,
    obstacle: f64,
    gap: f64,
}

/// Every value condition's data and the exact solution against the obstacle.
pub(super) fn check(
    probe: &Probe,
    c: &Constraint,
    samples: &[Sample],
    interior: &[At],
    scale: f64,
    diags: &mut Diags,
) {
    let op = if c.at_least { ">=" } else { "<=" };
    let u = &probe.unknown.name;
    for s in samples {
        let Some(data) = &s.data else { continue };
        let values = s.points.iter().zip(data).map(|(at, v)| (at, *v));
        let Some(w) = worst(c, values, scale) else {
            continue;
        };
        let cond = s.condition;
        let (side, what) = (side(c.at_least), data_words(&cond.region));
        diags.push(
            Diag::error(
                "pdec::passes::violates_constraint",
                format!(
                    "the data of `{}` violate the constraint `{u} {op} obstacle`: at {} they give {u} = {}, {side} the obstacle's {} by {}",
                    cond.name,
                    probe.describe(w.at),
                    num(w.value),
                    num(w.obstacle),
                    num(w.gap)
                ),
            )
            .primary(cond.span, format!("{what} {side} the obstacle"))
            .secondary(c.span, "the constraint")
            .help(format!(
                "the solution meets its data there and stays {} the obstacle everywhere, so the data must too: check the two against each other (a payoff and its obstacle are usually the same expression, `terminal {u} = payoff` with `constraint {u} {op} payoff`)",
                if c.at_least { "above" } else { "below" }
            )),
        );
    }
    let Some(exact) = probe.unknown.exact else {
        return;
    };
    let points = interior
        .iter()
        .chain(samples.iter().flat_map(|s| &s.points));
    if let Some(w) = worst(c, points.map(|at| (at, at.exact)), scale) {
        let side = side(c.at_least);
        let span = exact_span(probe, exact);
        diags.push(
            Diag::error(
                "pdec::passes::violates_constraint",
                format!(
                    "`exact` violates the constraint `{u} {op} obstacle`: at {} it is {}, {side} the obstacle's {} by {}",
                    probe.describe(w.at),
                    num(w.value),
                    num(w.obstacle),
                    num(w.gap)
                ),
            )
            .primary(span, format!("{side} the obstacle there"))
            .secondary(c.span, "the constraint")
            .help("a solution of the problem satisfies its constraint everywhere: check the exact solution (an American option's price is not the European formula) or the obstacle"),
        );
    }
}

/// The point where `values` cross the obstacle most, when they do beyond round-off.
fn worst<'p>(
    c: &Constraint,
    values: impl Iterator<Item = (&'p At, Option<f64>)>,
    scale: f64,
) -> Option<Worst<'p>> {
    let mut worst: Option<Worst> = None;
    for (at, v) in values {
        let (Some(value), Some(obstacle)) = (v.filter(|v| v.is_finite()), at.obstacle) else {
            continue;
        };
        let gap = if c.at_least {
            obstacle - value
        } else {
            value - obstacle
        };
        if gap > tolerance(scale) && worst.as_ref().is_none_or(|w| gap > w.gap) {
            worst = Some(Worst {
                at,
                value,
                obstacle,
                gap,
            });
        }
    }
    worst
}

/// The wrong side of the obstacle, in words.
fn side(at_least: bool) -> &'static str {
    if at_least { "below" } else { "above" }
}

/// What a condition gives, in words.
fn data_words(region: &Where) -> &'static str {
    match region {
        Where::TimeSlice { terminal: true, .. } => "terminal data",
        Where::TimeSlice { .. } => "initial data",
        _ => "boundary data",
    }
}

/// The `exact` statement's span (its node's, failing that).
pub(super) fn exact_span(probe: &Probe, exact: NodeId) -> crate::source::Span {
    let p = probe.problem;
    probe
        .unknown
        .exact_span
        .unwrap_or_else(|| p.graph.node(exact).span)
}
