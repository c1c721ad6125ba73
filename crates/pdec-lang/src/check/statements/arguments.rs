//! Unknowns of fewer arguments than the problem has inputs (`unknown p(x)` beside
//! `u(t, x)`): a derivative of one along an input it does not take, however it was written
//! (`d(p, t)`, `grad(p, y)`, a `div` differentiated symbolically), is an error rather than a
//! silent zero, as is `dn(p)` on a face of a space variable it does not take (the face's
//! normal lies along that variable); and data on a face of a space variable, or at a time, that
//! an unknown does not take are refused with a hint (they would give it everywhere).

use super::time_order::TimeCondition;
use crate::check::Checker;
use crate::diag::Diag;
use crate::ir::{Coord, Face, Input, NodeId, Op, declared_name};
use crate::source::Span;
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
                let declared = format!("{}({})", declared_name(&name), args.join(", "));
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
                        declared_name(&name),
                        wider.join(", ")
                    )),
                );
            }
        }
    }

    /// The `dn(p)` calls lowered since `from` (a boundary condition's, on `faces`) where
    /// `p` does not take the faces' space variable: one error per unknown and variable.
    pub(super) fn normal_derivatives_along_arguments(&mut self, from: usize, faces: &[Face]) {
        let calls: Vec<(usize, Span)> = self.dn_calls.get(from..).unwrap_or_default().to_vec();
        let mut reported: BTreeSet<(usize, usize)> = BTreeSet::new();
        for (k, span) in calls {
            let Some(u) = self.unknowns.get(k) else {
                continue;
            };
            for f in faces {
                let var = f.var();
                if u.args.contains(&Input::Space(var)) || !reported.insert((k, var)) {
                    continue;
                }
                let name = u.name.clone();
                let v = self.input_name(Input::Space(var)).to_string();
                let face = crate::ir::face_name(&self.space, *f);
                let Wording {
                    declared,
                    own,
                    wider,
                } = self.wording(k, var);
                self.diags.push(
                    Diag::error(
                        "pdec::check::normal_not_argument",
                        format!(
                            "`dn({name})` on `{face}` is zero: `{name}` is declared `{declared}`, which does not depend on `{v}`"
                        ),
                    )
                    .primary(span, format!("`dn({name})` on a face of `{v}`"))
                    .help(format!(
                        "{own}, or declare `unknown {wider}` if it varies in `{v}`"
                    )),
                );
            }
        }
    }

    /// A condition (residual `r`) on faces of a space variable that none of the unknowns it
    /// reads takes (`boundary y = 0: p = 0` for `p(x)`): the face holds every value of the
    /// unknown's own arguments, so the condition gives it everywhere, beside its equation.
    /// One error per condition (at its first such variable). `dn(p)` there has its own.
    pub(super) fn face_data_along_arguments(&mut self, r: NodeId, faces: &[Face], span: Span) {
        let read = self.g.unknowns_in(r);
        // A variable no unknown takes is `input_not_argument`'s error already.
        let Some(var) = faces.iter().map(|f| f.var()).find(|v| {
            self.unknown_args.contains(&Input::Space(*v))
                && read.iter().all(|k| {
                    self.unknowns
                        .get(*k)
                        .is_some_and(|u| !u.args.contains(&Input::Space(*v)))
                })
        }) else {
            return;
        };
        let Some((k, u)) = read
            .first()
            .and_then(|k| Some((*k, self.unknowns.get(*k)?)))
        else {
            return;
        };
        let name = u.name.clone();
        let v = self.input_name(Input::Space(var)).to_string();
        let Wording {
            declared,
            own,
            wider,
        } = self.wording(k, var);
        self.diags.push(
            Diag::error(
                "pdec::check::face_not_argument",
                format!(
                    "`{name}` does not depend on `{v}`, so a condition on a face of `{v}` gives it everywhere"
                ),
            )
            .primary(span, format!("a condition on `{declared}` on a face of `{v}`"))
            .help(format!(
                "{own}, or declare `unknown {wider}` if it varies in `{v}`"
            )),
        );
    }

    /// What a message about unknown `k` and the space variable `var` it does not take says.
    fn wording(&self, k: usize, var: usize) -> Wording {
        let Some(u) = self.unknowns.get(k) else {
            return Wording::default();
        };
        let name = &u.name;
        let args: Vec<&str> = u.args.iter().map(|a| self.input_name(*a)).collect();
        let own: Vec<&str> = u
            .args
            .iter()
            .filter(|a| matches!(a, Input::Space(_)))
            .map(|a| self.input_name(*a))
            .collect();
        // Its arguments and `var`, in the problem's order (time first).
        let wider: Vec<&str> = self
            .unknown_args
            .iter()
            .filter(|a| **a == Input::Space(var) || u.args.contains(a))
            .map(|a| self.input_name(*a))
            .collect();
        Wording {
            declared: format!("{}({})", declared_name(name), args.join(", ")),
            own: match own.as_slice() {
                [] => format!("`{name}` takes no space variable: remove the condition"),
                o => format!(
                    "give `{name}` its conditions on the faces of `{}` only",
                    o.join("`, `")
                ),
            },
            wider: format!("{}({})", declared_name(name), wider.join(", ")),
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
        let declared = format!("{}({})", declared_name(&name), args.join(", "));
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
            declared_name(&name),
            args.join(", ")
        )));
        Some(())
    }
}

/// An unknown's messages about a space variable it does not take: its declaration (`p(x)`),
/// where its conditions belong, and the declaration that would take the variable.
#[derive(Default)]
struct Wording {
    declared: String,
    own: String,
    wider: String,
}
