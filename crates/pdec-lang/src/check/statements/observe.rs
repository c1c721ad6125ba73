//! `observe TARGET from "data.csv" [weight W]`: what is observed (the value of an unknown, or
//! of one component of a vector unknown), where the data lives (inside the problem's folder,
//! as `reference`) and the term's weight. The rows themselves are read and checked by the
//! driver once the problem is assembled (`plan::data`).

use super::Found;
use super::solution::reference_problem;
use crate::check::Checker;
use crate::check::expr::{Ctx, Env};
use crate::diag::Diag;
use crate::ir::{Observation, Op};
use crate::source::Span;
use crate::syntax::ast::Expr;
use crate::syntax::print::format_number;

impl Checker<'_> {
    pub(super) fn observe_statement(
        &mut self,
        target: &Expr,
        path: &str,
        span: Span,
        weight: Option<&Expr>,
        s: &mut Found,
    ) {
        let ctx = Ctx {
            what: "an observation",
            ..Ctx::PDE
        };
        let node = self.lower(target, &Env::default(), ctx);
        let node = node.filter(|n| {
            if matches!(self.g.op(*n), Op::U(_)) {
                return true;
            }
            self.diags.push(
                Diag::error(
                    "pdec::check::observe_target",
                    format!(
                        "`{}` cannot be observed: data give the value of an unknown",
                        crate::syntax::print::expr(target)
                    ),
                )
                .primary(target.span, "not an unknown's value")
                .help(format!(
                    "observe the unknown itself, `observe {} from \"data.csv\"`, or one component of a vector unknown, `observe U[1] from ...`",
                    self.unknown_name()
                )),
            );
            false
        });
        if let Some(why) = reference_problem(path) {
            self.diags.push(
                Diag::error(
                    "pdec::check::data_outside_folder",
                    format!("data file `{path}` is not allowed: {why}"),
                )
                .primary(span, "outside the problem's folder")
                .help("put the CSV file next to the `.pde` file (or in a sub-folder) and give a relative path"),
            );
            return;
        }
        let w = match weight {
            None => Some(1.0),
            Some(e) => self
                .const_scalar(e, &Env::default(), "a weight")
                .and_then(|w| {
                    if w > 0.0 && w.is_finite() {
                        return Some(w);
                    }
                    self.diags.push(
                        Diag::error(
                            "pdec::check::observe_weight",
                            format!(
                                "the weight of an observation must be positive, not {}",
                                format_number(w)
                            ),
                        )
                        .primary(e.span, "not a positive number")
                        .help("a weight multiplies the data's mean squared misfit: `weight 10`"),
                    );
                    None
                }),
        };
        let (Some(node), Some(weight)) = (node, w) else {
            return;
        };
        s.observations.push(Observation {
            name: String::new(),
            target: crate::syntax::print::expr(target),
            node,
            path: path.to_string(),
            weight,
            width: 0,
            points: Vec::new(),
            values: Vec::new(),
            text: String::new(),
            span,
        });
    }

    /// An unknown coefficient needs data: with no `observe` nothing determines it.
    pub(super) fn coefficients_have_data(&mut self, s: &Found) {
        if !s.observations.is_empty() || self.observe_written() {
            return;
        }
        let unknown = self.unknown_name();
        for c in &self.coefficients {
            self.diags.push(
                Diag::error(
                    "pdec::check::coefficient_without_data",
                    format!("nothing determines the unknown coefficient `{}`", c.name),
                )
                .primary(c.span, "identified from data, but the problem has none")
                .help(format!(
                    "add measurements of the solution, `observe {} from \"data.csv\"`, or make `{}` a `const` if its value is known",
                    unknown, c.name
                )),
            );
        }
    }

    /// Does the file have an `observe` statement (one that failed to check included)?
    fn observe_written(&self) -> bool {
        self.program
            .user()
            .ast
            .items
            .iter()
            .any(|i| matches!(i.kind, crate::syntax::ast::ItemKind::Observe { .. }))
    }
}

/// The loss terms' names: `data` for a problem's only data set, else `data_TARGET` (its
/// letters and digits), numbered where two observe the same thing.
pub(super) fn name_observations(obs: &mut [Observation]) {
    if obs.len() == 1 {
        obs[0].name = "data".into();
        return;
    }
    let mut taken: Vec<String> = Vec::new();
    for o in obs.iter_mut() {
        let base: String = o
            .target
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let mut name = format!("data_{base}");
        let mut k = 2;
        while taken.contains(&name) {
            name = format!("data_{base}_{k}");
            k += 1;
        }
        taken.push(name.clone());
        o.name = name;
    }
}
