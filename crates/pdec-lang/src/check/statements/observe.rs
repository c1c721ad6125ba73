//! `observe TARGET from "data.csv" [weight W]`: what is observed (the value of an unknown, or
//! of one component of a vector unknown), where the data lives (inside the problem's folder,
//! as `reference`) and the term's weight. The rows themselves are read and checked by the
//! driver once the problem is assembled (`plan::data`).

use super::Found;
use super::solution::reference_problem;
use crate::check::Checker;
use crate::check::expr::{Ctx, Env};
use crate::diag::Diag;
use crate::ir::{NodeId, Observation, Op};
use crate::source::Span;
use crate::syntax::ast::Expr;
use crate::syntax::print::format_number;

impl Checker<'_> {
    pub(super) fn observe_statement(
        &mut self,
        target: &Expr,
        at: &[(Expr, Expr)],
        path: &str,
        span: Span,
        // The `weight`, or the `noise` level (`true`) whose weight is `1 / noise^2`.
        weight: Option<(&Expr, bool)>,
        s: &mut Found,
    ) {
        let ctx = Ctx {
            what: "an observation",
            ..Ctx::PDE
        };
        let node = self.lower(target, &Env::default(), ctx);
        let node = node.filter(|n| self.observable(*n, target));
        let fixed = self.observe_fixed(at);
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
            Some((e, noise)) => self
                .const_scalar(e, &Env::default(), "a weight")
                .and_then(|w| {
                    let weight = if noise { (1.0 / w).powi(2) } else { w };
                    if w > 0.0 && w.is_finite() && weight.is_finite() {
                        return Some(weight);
                    }
                    let (what, help) = match noise {
                        true => ("noise level", "the noise level is the data's standard deviation, whose weight is 1 / noise^2: `noise 0.01`"),
                        false => ("weight", "a weight multiplies the data's mean squared misfit: `weight 10`"),
                    };
                    self.diags.push(
                        Diag::error(
                            "pdec::check::observe_weight",
                            format!(
                                "the {what} of an observation must be positive, not {}",
                                format_number(w)
                            ),
                        )
                        .primary(e.span, "not a positive number")
                        .help(help),
                    );
                    None
                }),
        };
        let (Some(node), Some(weight), Some(fixed)) = (node, w, fixed) else {
            return;
        };
        s.observations.push(Observation {
            name: String::new(),
            target: crate::syntax::print::expr(target),
            derived: !matches!(self.g.op(node), Op::U(_)),
            fixed,
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

    /// What data can give: a scalar quantity of the unknowns (their values, derivatives
    /// along the inputs, combinations), not a normal derivative (data rows carry no normal).
    fn observable(&mut self, n: NodeId, target: &Expr) -> bool {
        if !self.scalar_expr(n, target.span, "an observed quantity") {
            return false;
        }
        let normal = self.g.any(n, &mut |op| matches!(op, Op::NormalDeriv(_)));
        if self.g.depends_on_unknown(n) && !normal {
            return true;
        }
        let text = crate::syntax::print::expr(target);
        let (why, help) = match normal {
            true => (
                "a normal derivative".to_string(),
                "data rows carry no normal: write the derivative along the coordinate, e.g. `observe d(u, x) at x = 1 from \"flux.csv\"` (on x = 1 of [0, 1] that is `dn(u)`; on x = 0, `-d(u, x)`)".to_string(),
            ),
            false => (
                "not a quantity of the unknowns".to_string(),
                format!(
                    "observe an unknown (`observe {} from \"data.csv\"`), a component (`U[1]`) or an expression of them (`d(u, x)`)",
                    self.unknown_name()
                ),
            ),
        };
        self.diags.push(
            Diag::error(
                "pdec::check::observe_target",
                format!("`{text}` cannot be observed: {why}"),
            )
            .primary(target.span, why)
            .help(help),
        );
        false
    }

    /// An unknown coefficient (`unknown const`, `unknown coef`) needs data that reach it: an
    /// `observe` of an unknown that shares an equation or condition with it, directly or
    /// through other unknowns (or of the coefficient function itself). With no data, or data
    /// only of unknowns it is not tied to, nothing determines it.
    pub(super) fn coefficients_have_data(&mut self, s: &Found) {
        let written = self.observe_statements();
        // An `observe` that failed to check could have observed anything.
        if written > s.observations.len() {
            return;
        }
        let n = self.unknowns.len();
        let reached = self.reached_by_data(s);
        let unknown = self.unknown_name();
        let mut missing: Vec<(String, crate::source::Span)> = self
            .coefficients
            .iter()
            .enumerate()
            .filter(|(j, _)| !reached[n + j])
            .map(|(_, c)| (c.name.clone(), c.span))
            .collect();
        missing.extend(
            (0..n)
                .filter(|k| self.is_coefficient_function(*k) && !reached[*k])
                // One no equation reads is `unknown_not_in_equation` already.
                .filter(|k| {
                    s.pdes
                        .iter()
                        .filter_map(|p| p.residual)
                        .any(|r| self.g.unknowns_in(r).contains(k))
                })
                .map(|k| (self.unknowns[k].name.clone(), self.unknowns[k].span)),
        );
        for (name, span) in missing {
            let (label, help) = match written {
                0 => (
                    "identified from data, but the problem has none".to_string(),
                    format!(
                        "add measurements of the solution, `observe {unknown} from \"data.csv\"`, or make `{name}` known (a `const`, or a `fn` of the inputs)"
                    ),
                ),
                _ => (
                    "no data set observes an unknown tied to it by an equation".to_string(),
                    format!(
                        "observe an unknown whose equation reads `{name}` (or `{name}` itself), or make `{name}` known"
                    ),
                ),
            };
            self.diags.push(
                Diag::error(
                    "pdec::check::coefficient_without_data",
                    format!("nothing determines the unknown coefficient `{name}`"),
                )
                .primary(span, label)
                .help(help),
            );
        }
    }

    /// Which unknowns (`0..n`) and `unknown const`s (`n..`) the data reach: the classes of
    /// "read by one equation or condition" that hold an observed unknown.
    fn reached_by_data(&self, s: &Found) -> Vec<bool> {
        let n = self.unknowns.len();
        let mut class: Vec<usize> = (0..n + self.coefficients.len()).collect();
        fn root(class: &mut [usize], mut i: usize) -> usize {
            while class[i] != i {
                class[i] = class[class[i]];
                i = class[i];
            }
            i
        }
        let roots = s
            .pdes
            .iter()
            .filter_map(|p| p.residual)
            .chain(s.conditions.iter().map(|c| c.residual));
        for r in roots {
            let mut read: Vec<usize> = self.g.unknowns_in(r);
            self.g.any(r, &mut |op| {
                if let Op::Coef(j) = op {
                    read.push(n + *j);
                }
                false
            });
            for w in read.windows(2) {
                let (a, b) = (root(&mut class, w[0]), root(&mut class, w[1]));
                class[a] = b;
            }
        }
        let observed: Vec<usize> = s
            .observations
            .iter()
            .flat_map(|o| self.g.unknowns_in(o.node))
            .map(|k| root(&mut class, k))
            .collect();
        (0..class.len())
            .map(|i| observed.contains(&root(&mut class, i)))
            .collect()
    }

    /// The number of `observe` statements in the file (those that failed to check included).
    fn observe_statements(&self) -> usize {
        self.program
            .user()
            .ast
            .items
            .iter()
            .filter(|i| matches!(i.kind, crate::syntax::ast::ItemKind::Observe { .. }))
            .count()
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
