//! Unknowns of fewer arguments than the problem has inputs (`unknown p(x)` beside
//! `u(t, x)`): a derivative of one along an input it does not take, however it was written
//! (`d(p, t)`, `grad(p, y)`, a `div` differentiated symbolically), is an error rather than a
//! silent zero; and time data on an unknown that does not take time is refused with a hint.

use super::time_order::TimeCondition;
use crate::check::Checker;
use crate::diag::Diag;
use crate::ir::{Coord, Input, NodeId, Op};
use std::collections::BTreeSet;

impl Checker<'_> {
    /// Every derivative in the graph against its unknown's arguments, one error per
    /// unknown and input (at the first such derivative in graph order).
    pub(super) fn derivatives_along_arguments(&mut self) {
        let mut seen: BTreeSet<(usize, Input)> = BTreeSet::new();
        for i in 0..self.g.len() {
            let node = self.g.node(NodeId(i as u32));
            let Op::Deriv(k, coords) = &node.op else {
                continue;
            };
            let Some(u) = self.unknowns.get(*k) else {
                continue;
            };
            for c in coords {
                let input = match c {
                    Coord::Time => Input::Time,
                    Coord::Space { var, .. } => Input::Space(*var),
                };
                if u.args.contains(&input) || !seen.insert((*k, input)) {
                    continue;
                }
                let (name, span) = (u.name.clone(), node.span);
                let args: Vec<&str> = u.args.iter().map(|a| self.input_name(*a)).collect();
                let v = self.input_name(input).to_string();
                let declared = format!("{}({})", base(&name), args.join(", "));
                // The arguments it would take, in the problem's order (time first).
                let wider: Vec<&str> = self
                    .unknown_args
                    .iter()
                    .filter(|a| **a == input || u.args.contains(a))
                    .map(|a| self.input_name(*a))
                    .collect();
                self.diags.push(
                    Diag::error(
                        "pdec::check::derivative_not_argument",
                        format!("`{name}` does not depend on `{v}`: it is declared `{declared}`"),
                    )
                    .primary(span, format!("a derivative of `{name}` along `{v}`"))
                    .help(format!(
                        "its derivative along `{v}` is zero: drop the term, or declare `unknown {}({})` if it varies in `{v}`",
                        base(&name),
                        wider.join(", ")
                    )),
                );
            }
        }
    }

    /// Time data on unknown `k`, which does not take time: `Some(())` once reported.
    pub(super) fn time_data_without_time(
        &mut self,
        k: usize,
        conds: &[&TimeCondition],
        t: &str,
    ) -> Option<()> {
        let u = self.unknowns.get(k)?;
        if u.args.contains(&Input::Time) || conds.is_empty() {
            return None;
        }
        let args: Vec<&str> = u.args.iter().map(|a| self.input_name(*a)).collect();
        let name = u.name.clone();
        let (kw, a) = match conds[0].terminal {
            true => ("terminal", "a"),
            false => ("initial", "an"),
        };
        let declared = format!("{}({})", base(&name), args.join(", "));
        let mut d = Diag::error(
            "pdec::check::time_data_without_time",
            format!("`{name}` does not depend on `{t}`, so it takes no {kw} condition"),
        )
        .primary(conds[0].span, format!("{a} {kw} condition on `{declared}`"));
        for c in &conds[1..] {
            d = d.secondary(c.span, "another");
        }
        self.diags.push(d.help(format!(
            "a steady unknown is fixed by its equation and boundary conditions at every time: remove the condition, or declare `unknown {}({t}, {})` if it changes in time",
            base(&name),
            args.join(", ")
        )));
        Some(())
    }
}

/// A vector unknown's component `U[2]` is declared as `U`.
fn base(name: &str) -> &str {
    name.split('[').next().unwrap_or(name)
}
