//! `observe TARGET at x = 1, t = 0.5 from ...`: inputs fixed for every row of a data set (a
//! face, a time slice, a parameter value), whose columns the file leaves out. Each is a time
//! variable, a parameter or a scalar space variable of an interval, once, at a constant
//! inside its range.

use crate::check::Checker;
use crate::check::expr::Env;
use crate::diag::Diag;
use crate::ir::{Domain, Input};
use crate::resolve::Res;
use crate::syntax::ast::{Expr, ExprKind};
use crate::syntax::print::format_number;

impl Checker<'_> {
    /// The fixed inputs and their values; `None` when one is refused (reported).
    pub(super) fn observe_fixed(&mut self, at: &[(Expr, Expr)]) -> Option<Vec<(Input, f64)>> {
        let mut out: Vec<(Input, f64)> = Vec::new();
        let mut ok = true;
        for (lhs, rhs) in at {
            let input = match &lhs.kind {
                ExprKind::Name(id) => match self.res.get(0, id.id) {
                    Some(Res::Item(r)) => self.inputs.get(&r).copied(),
                    _ => None,
                },
                _ => None,
            };
            let range = match input {
                Some(Input::Time) => self.time.as_ref().map(|t| (t.lo, t.hi)),
                Some(Input::Param(k)) => Some((self.params[k].lo, self.params[k].hi)),
                Some(Input::Space(k)) => match self.space[k].domain {
                    Domain::Interval { lo, hi } => Some((lo, hi)),
                    _ => None,
                },
                None => None,
            };
            let (Some(input), Some((lo, hi))) = (input, range) else {
                ok = false;
                self.diags.push(
                    Diag::error(
                        "pdec::check::observe_at",
                        format!(
                            "`{}` cannot be fixed for a data set",
                            crate::syntax::print::expr(lhs)
                        ),
                    )
                    .primary(lhs.span, "not a time variable, parameter or space variable of an interval")
                    .help("fix an input of the problem, e.g. `observe u at t = 1 from \"final.csv\"` or `observe d(u, x) at x = 1 from \"flux.csv\"`; a vector space variable's rows give all its components"),
                );
                continue;
            };
            let Some(v) = self.const_scalar(rhs, &Env::default(), "a fixed input's value") else {
                ok = false;
                continue;
            };
            let name = crate::syntax::print::expr(lhs);
            if !(lo <= v && v <= hi) || out.iter().any(|(i, _)| *i == input) {
                ok = false;
                let twice = out.iter().any(|(i, _)| *i == input);
                self.diags.push(
                    Diag::error(
                        "pdec::check::observe_at",
                        match twice {
                            true => format!("`{name}` is fixed twice"),
                            false => format!(
                                "`{name} = {}` lies outside its range [{}, {}]",
                                format_number(v),
                                format_number(lo),
                                format_number(hi)
                            ),
                        },
                    )
                    .primary(
                        rhs.span,
                        if twice {
                            "again here"
                        } else {
                            "outside the range"
                        },
                    )
                    .help("fix each input once, at a value inside its declared range"),
                );
                continue;
            }
            out.push((input, v));
        }
        ok.then_some(out)
    }
}
