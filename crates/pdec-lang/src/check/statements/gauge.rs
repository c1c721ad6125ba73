//! `mean p = c`: the gauge of an unknown that the problem fixes only up to a constant (the
//! pressure of incompressible flow). What is gauged (one unknown, or one component of a
//! vector unknown), the value (a constant), one gauge per unknown, and that the unknown is
//! free up to a constant at all: it appears in the equations only through derivatives along
//! space, and no condition or data set gives its value (either would already fix the
//! constant, and the two would compete).

use super::Found;
use crate::check::expr::Env;
use crate::check::{Checker, UnknownRef};
use crate::diag::Diag;
use crate::ir::{BinOp, Coord, Gauge, NodeId, Op, Ty, Where};
use crate::source::Span;
use crate::syntax::ast::{Equation, ExprKind, Item};

/// A gauge as its statement gave it.
pub(super) struct FoundGauge {
    pub(super) gauge: Gauge,
    /// The gauged unknown as written (`p`, `U[1]`).
    pub(super) target: Span,
}

impl Checker<'_> {
    /// `mean TARGET = VALUE`.
    pub(super) fn gauge_statement(&mut self, item: &Item, eq: &Equation, s: &mut Found) {
        let Some(k) = self.gauge_target(eq) else {
            return;
        };
        let Some(rhs) = &eq.rhs else {
            return;
        };
        let Some(value) = self.const_scalar(rhs, &Env::default(), "a gauge's value") else {
            return;
        };
        if let Some(prev) = s.gauges.iter().find(|g| g.gauge.unknown == k) {
            let name = &self.unknowns[k].name;
            self.diags.push(
                Diag::error(
                    "pdec::check::duplicate_gauge",
                    format!("`{name}` has two gauges"),
                )
                .primary(eq.lhs.span, "a second gauge")
                .secondary(prev.target, "the first")
                .help(format!(
                    "one gauge fixes `{name}`'s constant: keep one `mean {name} = ...`"
                )),
            );
            return;
        }
        let u = self.g.add(Op::U(k), Ty::scalar(), eq.lhs.span);
        let c = self.g.constant(value, rhs.span);
        let Ok(residual) = self.g.binary(BinOp::Sub, u, c, eq.span) else {
            return;
        };
        s.gauges.push(FoundGauge {
            gauge: Gauge {
                name: format!("mean {}", self.unknowns[k].name),
                unknown: k,
                value,
                residual,
                span: item.span,
            },
            target: eq.lhs.span,
        });
    }

    /// The unknown a gauge is on: a scalar unknown or one component, by itself; else
    /// reported (a name the resolver did not find is its error already).
    fn gauge_target(&mut self, eq: &Equation) -> Option<usize> {
        let target = self.bare_unknown(&eq.lhs);
        if let Some(UnknownRef::Scalar(k)) = target {
            return Some(k);
        }
        if let ExprKind::Name(n) = &eq.lhs.kind
            && self.res.get(0, n.id).is_none()
        {
            return None;
        }
        let what = match target {
            Some(UnknownRef::Vector { .. }) => "a vector unknown: gauge one component",
            _ => "not an unknown",
        };
        let example = self
            .unknowns
            .iter()
            .rev()
            .find(|u| u.component.is_none_or(|c| c == 0))
            .map_or_else(|| "p".to_string(), |u| u.name.clone());
        self.diags.push(
            Diag::error(
                "pdec::check::gauge_target",
                format!(
                    "`mean {}` is not a gauge: a gauge is on one unknown",
                    crate::syntax::print::expr(&eq.lhs)
                ),
            )
            .primary(eq.lhs.span, what)
            .help(format!(
                "write the unknown by itself, `mean {example} = 0` (one component of a vector unknown: `mean U[1] = 0`)"
            )),
        );
        None
    }

    /// Each gauged unknown is free up to a constant: every equation reads it only through
    /// derivatives along space (so adding a constant, or a function of time and parameters,
    /// changes nothing), and no condition or data set gives its value. Otherwise the
    /// constant is fixed already, and the gauge would compete with what fixes it.
    pub(super) fn gauges_free(&mut self, s: &Found) {
        for fg in &s.gauges {
            let k = fg.gauge.unknown;
            let name = self.unknowns[k].name.clone();
            let equation = s
                .pdes
                .iter()
                .filter_map(|p| p.residual.map(|r| (r, p.span)))
                .find(|(r, _)| self.reads_value(*r, k))
                .map(|(_, span)| {
                    (
                        span,
                        "reads its value (or a derivative along no space variable)",
                    )
                });
            let condition = || {
                s.conditions
                    .iter()
                    .filter(|c| !matches!(c.region, Where::Periodic { .. }))
                    .find(|c| self.reads_value(c.residual, k))
                    .map(|c| (c.span, "gives its value"))
            };
            let data = || {
                s.observations
                    .iter()
                    .find(|o| matches!(self.g.op(o.node), Op::U(j) if *j == k))
                    .map(|o| (o.span, "measures its value"))
            };
            let Some((at, why)) = equation.or_else(condition).or_else(data) else {
                continue;
            };
            self.diags.push(
                Diag::error(
                    "pdec::check::gauge_not_free",
                    format!("`{name}` is not free up to a constant, so it takes no gauge"),
                )
                .primary(fg.target, "gauged here")
                .secondary(at, why)
                .help(format!(
                    "a gauge fixes the constant of an unknown the equations read only through its space derivatives (a pressure); this one is fixed already: remove `mean {name} = ...`, or the value data"
                )),
            );
        }
    }

    /// Does `r` read unknown `k` other than through a derivative along space?
    fn reads_value(&self, r: NodeId, k: usize) -> bool {
        self.g.any(r, &mut |op| match op {
            Op::U(j) => *j == k,
            Op::Deriv(j, c) => *j == k && !c.iter().any(|c| matches!(c, Coord::Space { .. })),
            _ => false,
        })
    }
}
