//! `report u(0, x = 1, nu = 0.05)`: the unknown at one point, with a constant value for
//! every argument of the unknown (by position or name) and every parameter (by name).

use crate::check::expr::{Ctx, Env};
use crate::check::{Checker, UnknownRef};
use crate::diag::Diag;
use crate::ir::{self, Input, Report};
use crate::resolve::Res;
use crate::source::Span;
use crate::syntax::ast::{self, ExprKind};
use crate::syntax::print;
use std::collections::BTreeMap;

/// Which input each argument of a report gives a value for: the value's span and expression.
/// Ordered (time, space, params), so the first bad value reported is the same on every run.
type Given<'e> = BTreeMap<Input, (Span, &'e ast::Expr)>;

impl Checker<'_> {
    /// `report u(0, x = 1, nu = 0.05)`: a value for every argument and every param; a
    /// vector unknown's report is one per component (`U[1](0, 1)`, ...).
    pub(super) fn report(&mut self, e: &ast::Expr) -> Vec<Report> {
        let Some((r, u)) = self.report_of(e) else {
            return Vec::new();
        };
        if let UnknownRef::Scalar(k) = u {
            return vec![Report { unknown: k, ..r }];
        }
        let base = self.base_name(u.numbers().start);
        u.numbers()
            .map(|k| Report {
                unknown: k,
                text: format!(
                    "{}{}",
                    self.unknowns[k].name,
                    &r.text[base.len().min(r.text.len())..]
                ),
                ..r.clone()
            })
            .collect()
    }

    /// One report's point, and the unknown (or vector unknown) it is of.
    fn report_of(&mut self, e: &ast::Expr) -> Option<(Report, UnknownRef)> {
        let first = self.unknown_name();
        let ExprKind::Call { callee, args } = &e.kind else {
            self.report_not_unknown(e.span, &first);
            return None;
        };
        let Some(u) = (match self.res.get(0, callee.id) {
            Some(Res::Item(r)) => self.unknown_ref(r),
            _ => None,
        }) else {
            self.report_not_unknown(e.span, &first);
            return None;
        };
        let env = Env::default();
        let k = u.numbers().start;
        let name = callee.text.clone();
        let own = self.unknowns[k].args.clone();
        // An unknown of fewer arguments than the problem's inputs (`p(x)` beside `u(t, x)`)
        // takes its own (`report p(0.5)`) or a point of the whole problem (`report p(0,
        // 0.5)`, as `pdec eval --at` writes for every unknown), whose other values it ignores.
        let positional = args.iter().filter(|a| a.name.is_none()).count();
        let positions = match positional == self.unknown_args.len() && own.len() < positional {
            true => self.unknown_args.clone(),
            false => own.clone(),
        };
        let given = self.report_arguments(args, &name, &positions)?;
        if !self.report_complete(&given, e, &own) {
            return None;
        }
        let mut r = self.report_point(e, given, &env)?;
        self.fill_untaken(&mut r, &own);
        Some((r, u))
    }

    /// Which input each argument gives a value for (by position or by name), each input
    /// given once.
    fn report_arguments<'e>(
        &mut self,
        args: &'e [ast::Arg],
        u: &str,
        positions: &[Input],
    ) -> Option<Given<'e>> {
        let mut given: Given = BTreeMap::new();
        let mut ok = true;
        for (i, a) in args.iter().enumerate() {
            let input = match &a.name {
                None => match positions.get(i) {
                    Some(input) => *input,
                    None => {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::arity",
                                format!("`{u}` has {} arguments", positions.len()),
                            )
                            .primary(a.value.span, "one too many")
                            .help(if self.params.is_empty() {
                                format!("give one value per argument of `{u}`")
                            } else {
                                format!(
                                    "parameters are given by name, e.g. `{} = ...`",
                                    self.params[0].name
                                )
                            }),
                        );
                        ok = false;
                        continue;
                    }
                },
                Some(n) => {
                    let found = self
                        .unknown_args
                        .iter()
                        .copied()
                        .chain((0..self.params.len()).map(Input::Param))
                        .find(|i| self.input_name(*i) == n.text);
                    match found {
                        Some(i) => i,
                        None => {
                            let mut names: Vec<&str> = self
                                .unknown_args
                                .iter()
                                .map(|i| self.input_name(*i))
                                .collect();
                            names.extend(self.params.iter().map(|p| p.name.as_str()));
                            self.diags.push(
                                Diag::error(
                                    "pdec::check::report_unknown_argument",
                                    format!(
                                        "`{}` is neither an argument of `{u}` nor a parameter",
                                        n.text
                                    ),
                                )
                                .primary(n.span, "unknown input")
                                .help(
                                    match crate::diag::suggest::did_you_mean(
                                        &n.text,
                                        names.iter().copied(),
                                    ) {
                                        Some(s) => format!("did you mean `{s}`?"),
                                        None => format!("inputs are: {}", names.join(", ")),
                                    },
                                ),
                            );
                            ok = false;
                            continue;
                        }
                    }
                }
            };
            if let Some((prev, _)) = given.insert(input, (a.value.span, &a.value)) {
                self.diags.push(
                    Diag::error(
                        "pdec::check::report_unknown_argument",
                        format!("`{}` is given twice", self.input_name(input)),
                    )
                    .primary(a.value.span, "again here")
                    .secondary(prev, "first here")
                    .help("give each input once"),
                );
                ok = false;
            }
        }
        if !ok || given.keys().any(|i| self.failed.contains(i)) {
            return None;
        }
        Some(given)
    }

    /// Every argument of the unknown (`own`) and every parameter has a value; if not, it is
    /// reported.
    fn report_complete(&mut self, given: &Given, e: &ast::Expr, own: &[Input]) -> bool {
        let mut missing: Vec<String> = Vec::new();
        for i in own
            .iter()
            .copied()
            .chain((0..self.params.len()).map(Input::Param))
        {
            if !given.contains_key(&i) {
                missing.push(self.input_name(i).to_string());
            }
        }
        if !missing.is_empty() {
            let params_missing = missing
                .iter()
                .any(|m| self.params.iter().any(|p| &p.name == m));
            let example: Vec<String> = missing.iter().map(|m| format!("{m} = ...")).collect();
            self.diags.push(
                Diag::error(
                    if params_missing {
                        "pdec::check::report_missing_param"
                    } else {
                        "pdec::check::report_missing_input"
                    },
                    format!(
                        "the report point gives no value for {}",
                        missing
                            .iter()
                            .map(|m| format!("`{m}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .primary(e.span, "incomplete point")
                .help(format!(
                    "one trained network covers every value; pick one: `{}`",
                    example.join(", ")
                )),
            );
            return false;
        }
        true
    }

    /// The point's values, folded to numbers: time and params scalars, each space variable
    /// a number or one per component.
    fn report_point(&mut self, e: &ast::Expr, given: Given, env: &Env) -> Option<Report> {
        let mut time = None;
        let mut space = vec![Vec::new(); self.space.len()];
        let mut params = vec![0.0; self.params.len()];
        for (input, (span, value)) in given {
            match input {
                Input::Time => {
                    let v = self.const_scalar(value, env, "a report value")?;
                    self.report_value_in_range(input, span, &[v]);
                    time = Some(v);
                }
                Input::Param(k) => {
                    params[k] = self.const_scalar(value, env, "a report value")?;
                    self.report_value_in_range(input, span, &[params[k]]);
                }
                Input::Space(k) => {
                    let n = self.lower(
                        value,
                        env,
                        Ctx {
                            what: "a report value",
                            ..Ctx::CONST
                        },
                    )?;
                    let dense = ir::eval::leaf(&self.g, n)?;
                    let dim = self.space[k].domain.dim();
                    let vals = match (dim, dense.data.len(), &dense.layout.dims[..]) {
                        (None, 1, []) => dense.data.into_owned(),
                        (Some(d), 1, []) => vec![dense.data[0]; d],
                        (Some(d), len, [_]) if len == d => dense.data.into_owned(),
                        _ => {
                            self.diags.push(
                                Diag::error(
                                    "pdec::check::shape_mismatch",
                                    format!(
                                        "`{}` needs {}",
                                        self.space[k].name,
                                        match dim {
                                            None => "a number".to_string(),
                                            Some(d) => format!(
                                                "one number (for every component) or {d} numbers"
                                            ),
                                        }
                                    ),
                                )
                                .primary(span, "wrong shape")
                                .help("e.g. `x = 1` or `x = [1, 2]`"),
                            );
                            return None;
                        }
                    };
                    self.report_value_in_range(input, span, &vals);
                    space[k] = vals;
                }
            }
        }
        Some(Report {
            unknown: 0,
            text: print::expr(e),
            time,
            space,
            params,
            span: e.span,
        })
    }

    /// The inputs of the problem that the unknown does not take (`report p(0.5)` of `p(x)`
    /// beside `u(t, x)`), which the networks' input still has a column for: the start of
    /// time, the middle of a space variable's box. The unknown's network does not read them.
    fn fill_untaken(&self, r: &mut Report, own: &[Input]) {
        for &i in &self.unknown_args {
            if own.contains(&i) {
                continue;
            }
            match i {
                Input::Time => r.time = r.time.or(self.time.as_ref().map(|t| t.lo)),
                Input::Space(k) if r.space[k].is_empty() => {
                    r.space[k] = self.space[k]
                        .domain
                        .bounds()
                        .iter()
                        .map(|(lo, hi)| 0.5 * (lo + hi))
                        .collect();
                }
                _ => {}
            }
        }
    }

    fn report_not_unknown(&mut self, span: Span, u: &str) {
        self.diags.push(
            Diag::error(
                "pdec::check::report_not_unknown",
                "`report` takes a value of the unknown at a point",
            )
            .primary(span, "not a point value of the unknown")
            .help(format!(
                "write `report {u}(0, x = 1)` with a value for each argument and parameter"
            )),
        );
    }
}
