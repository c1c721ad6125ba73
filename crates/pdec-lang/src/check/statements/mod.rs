//! The statements of a problem, lowered and checked in source order, then the problem's
//! completeness, then the [`Problem`] assembled from them. One room per kind of statement:
//! `conditions` (`initial`, `terminal`, `boundary`, `periodic`, and the coverage of every
//! face), `constraint` (the obstacle), `solution` (`exact`, `ansatz`, `reference`) and
//! `report` (point values) with `report_range` (inside the trained box), `restriction`
//! (`where` on a boundary locus, and the coverage of a face by restricted conditions), `time_order` (initial or terminal conditions against the
//! equation's order in time). This file holds what they share: `Found`, what the statements
//! said so far; the residual of an equation; the checks that a condition involves the unknown
//! and that a value is a scalar.

mod arguments;
mod conditions;
mod constraint;
mod gauge;
mod observe;
mod observe_at;
mod report;
mod report_range;
mod restriction;
mod solution;
mod systems;
mod time_order;
mod vector_equations;

pub(super) use report_range::OutsidePoint;

use super::expr::{Ctx, Env};
use super::{Checker, UnknownRef};
use crate::diag::Diag;
use crate::ir::{self, Condition, Constraint, Face, Input, NodeId, Pde, Problem, Report, Unknown};
use crate::resolve::{ItemRef, Res};
use crate::source::Span;
use crate::syntax::ast::{self, Boundary, Equation, ExprKind, Item, ItemKind};
use std::collections::BTreeMap;
use systems::FoundPde;

/// What the statements said, gathered in source order; the problem is assembled from it once
/// every statement has been checked.
#[derive(Default)]
struct Found {
    /// The equations in source order.
    pdes: Vec<FoundPde>,
    problem_name: Option<(String, Span)>,
    conditions: Vec<Condition>,
    /// Each face with a condition for an unknown, and the locus that gave it.
    covered: BTreeMap<(Face, usize), Span>,
    /// Each face with conditions restricted by `where` for an unknown (and no whole-face
    /// one): the loci and their restrictions.
    partial: BTreeMap<(Face, usize), Vec<restriction::Partial>>,
    boundary_none: Option<Span>,
    boundary_spans: Vec<Span>,
    /// A locus failed to check: which faces it meant is unknown, so no face is called
    /// uncovered.
    unknown_locus: bool,
    constraint: Option<Constraint>,
    /// Per unknown: the node, the keyword (for a duplicate) and the whole statement.
    exact: BTreeMap<usize, (NodeId, Span, Span)>,
    /// Per unknown: the node, the keyword (for a duplicate) and the whole statement (for
    /// later passes).
    ansatz: BTreeMap<usize, (NodeId, Span, Span)>,
    reference: Option<(String, Span)>,
    reports: Vec<Report>,
    /// Each `initial` or `terminal` statement, in source order.
    time_conditions: Vec<time_order::TimeCondition>,
    /// `observe` statements, in source order (their rows not yet read).
    observations: Vec<ir::Observation>,
    /// `mean p = 0` statements, one per unknown.
    gauges: Vec<gauge::FoundGauge>,
}

impl Checker<'_> {
    /// Lowers and checks every statement, then the problem's completeness and boundary
    /// coverage; the problem, when the statements make one.
    pub(super) fn statements(&mut self) -> Option<Problem> {
        let program = self.program;
        let items = &program.user().ast.items;
        let mut s = Found::default();

        // Every constant is checked, used or not.
        for (i, item) in items.iter().enumerate() {
            if let ItemKind::Const { name, .. } = &item.kind {
                self.const_value(ItemRef { module: 0, item: i }, name.span);
            }
        }

        for item in items {
            self.statement(item, &mut s);
        }
        self.derivatives_along_arguments();
        let solved_for = self.completeness(&s);
        self.gauges_free(&s);
        self.coefficients_have_data(&s);
        self.boundary_coverage(&s);
        self.assemble(s, &solved_for)
    }

    /// One statement, checked; what it says is added to `s`.
    fn statement(&mut self, item: &Item, s: &mut Found) {
        match &item.kind {
            ItemKind::Problem(n) => {
                if let Some((_, prev)) = &s.problem_name {
                    self.duplicate(item.keyword, *prev, "problem");
                } else {
                    s.problem_name = Some((n.text.clone(), item.keyword));
                }
            }
            ItemKind::Pde { name, eq } => self.pde_statement(item, name.as_ref(), eq, s),
            ItemKind::Initial(eq) | ItemKind::Terminal(eq) => self.time_condition(item, eq, s),
            ItemKind::Boundary(Boundary::None(span)) => {
                if let Some(prev) = s.boundary_none {
                    self.duplicate(*span, prev, "boundary none");
                }
                s.boundary_none = Some(item.span);
            }
            ItemKind::Boundary(Boundary::Locus(locus)) => self.boundary_condition(item, locus, s),
            ItemKind::Periodic(e) => self.periodic_condition(item, e, s),
            ItemKind::Constraint { lhs, op, rhs, .. } => {
                self.constraint_statement(item, lhs, op, rhs, s)
            }
            ItemKind::Exact(eq) => self.exact_statement(item, eq, s),
            ItemKind::Ansatz(eq) => self.ansatz_statement(item, eq, s),
            ItemKind::Reference { path, span } => self.reference_statement(item, path, span, s),
            ItemKind::Observe {
                target,
                at,
                path,
                span,
                weight,
                noise,
            } => {
                let weight = match noise {
                    Some(n) => Some((n, true)),
                    None => weight.as_ref().map(|w| (w, false)),
                };
                self.observe_statement(target, at, path, *span, weight, s)
            }
            ItemKind::Gauge(eq) => self.gauge_statement(item, eq, s),
            ItemKind::Report(e) => {
                let r = self.report(e);
                s.reports.extend(r);
            }
            ItemKind::Use(_)
            | ItemKind::Const { .. }
            | ItemKind::Param { .. }
            | ItemKind::Time { .. }
            | ItemKind::Space { .. }
            | ItemKind::Unknown { .. }
            | ItemKind::Coefficient { .. }
            | ItemKind::Fn { .. }
            | ItemKind::Solve(_) => {}
        }
    }

    /// `pde [name:] lhs = rhs`: it involves an unknown. A vector equation is one equation
    /// per component (`vector_equations`).
    fn pde_statement(
        &mut self,
        item: &Item,
        name: Option<&ast::Ident>,
        eq: &Equation,
        s: &mut Found,
    ) {
        let found = |residual, component| FoundPde {
            name: name.cloned(),
            residual,
            span: eq.span,
            keyword: item.keyword,
            component,
        };
        let Some(rs) = self.residual_components(eq, Ctx::PDE) else {
            // Counted: a bad equation is not a missing one.
            s.pdes.push(found(None, None));
            return;
        };
        let vector = rs.len() > 1;
        for (j, (r, _)) in rs.into_iter().enumerate() {
            let component = vector.then_some(j);
            if !self.pde_involves_unknown(r, eq) {
                // Counted, as a failed one: the system's count cannot be trusted.
                s.pdes.push(found(None, component));
                continue;
            }
            s.pdes.push(found(Some(r), component));
        }
    }

    /// The equation involves an unknown; else reported.
    fn pde_involves_unknown(&mut self, r: NodeId, eq: &Equation) -> bool {
        if !self.g.depends_on_unknown(r) {
            self.diags.push(
                Diag::error(
                    "pdec::check::pde_without_unknown",
                    "the equation does not involve the unknown",
                )
                .primary(eq.span, "nothing to solve for")
                .help(format!(
                    "write the equation in terms of `{}` and its derivatives",
                    self.unknown_name()
                )),
            );
            return false;
        }
        true
    }

    /// The problem has unknowns and equations, as many of each (`systems`) and, if it
    /// depends on time, as many initial or terminal conditions per unknown as its
    /// equations' order in time asks (`time_order`).
    fn completeness(&mut self, s: &Found) -> Vec<Option<usize>> {
        let program = self.program;
        let items = &program.user().ast.items;
        let file_span = Span::new(program.user().file, 0, 0);
        if self.unknowns.is_empty() {
            self.diags.push(
                Diag::error(
                    "pdec::check::missing_unknown",
                    "the problem declares no unknown",
                )
                .primary(file_span, "nothing to solve for")
                .help("declare the solution's name and arguments: `unknown u(t, x)`"),
            );
        }
        if s.pdes.is_empty()
            && !self.unknowns.is_empty()
            && !items.iter().any(|i| matches!(i.kind, ItemKind::Pde { .. }))
        {
            self.diags.push(
                Diag::error("pdec::check::missing_pde", "the problem has no equation")
                    .primary(file_span, "no `pde` statement")
                    .help("state it: `pde d(u, t) = lap(u)`"),
            );
        }
        let solved_for = self.equations_against_unknowns(s);
        self.time_determinacy(s);
        solved_for
    }

    /// The problem, from what the statements said; its graph compacted to what the roots use.
    fn assemble(&mut self, s: Found, solved_for: &[Option<usize>]) -> Option<Problem> {
        let program = self.program;
        let Found {
            pdes,
            problem_name,
            mut conditions,
            mut constraint,
            exact,
            ansatz,
            reference,
            reports,
            mut observations,
            gauges,
            ..
        } = s;
        let mut gauges: Vec<ir::Gauge> = gauges.into_iter().map(|g| g.gauge).collect();
        observe::name_observations(&mut observations);
        if self.unknowns.is_empty() || pdes.is_empty() {
            return None;
        }
        let mut pdes: Vec<Pde> = pdes
            .iter()
            .zip(solved_for)
            .map(|(p, k)| {
                Some(Pde {
                    name: self.equation_name(p, *k, pdes.len()),
                    unknown: k.unwrap_or(0),
                    residual: p.residual?,
                    span: p.span,
                })
            })
            .collect::<Option<_>>()?;
        let problem_name = problem_name.map(|p| p.0).unwrap_or_else(|| {
            let file = &program.sources.get(program.user().file).name;
            std::path::Path::new(file)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "problem".into())
        });
        let mut unknowns: Vec<Unknown> = Vec::new();
        for (k, u) in self.unknowns.clone().into_iter().enumerate() {
            let ansatz = match self.coef_fns.get(&k).cloned() {
                Some(c) => Some(ir::Ansatz {
                    node: self.coefficient_function_value(k)?,
                    space_gradient: Vec::new(),
                    span: c.span,
                    chosen: Some(coefficient_function_why(&c)),
                    scaled: None,
                    rescale: false,
                }),
                None => ansatz.get(&k).map(|(node, _, span)| ir::Ansatz {
                    node: *node,
                    space_gradient: Vec::new(),
                    span: *span,
                    chosen: None,
                    scaled: None,
                    rescale: true,
                }),
            };
            unknowns.push(Unknown {
                name: u.name.clone(),
                args: u.args.clone(),
                exact: exact.get(&k).map(|e| e.0),
                exact_span: exact.get(&k).map(|e| e.2),
                ansatz,
                coefficient: self.coef_fns.get(&k).cloned(),
                span: u.span,
            });
        }
        {
            let mut roots: Vec<&mut NodeId> = pdes.iter_mut().map(|p| &mut p.residual).collect();
            for c in conditions.iter_mut() {
                roots.push(&mut c.residual);
                if let ir::Where::Faces {
                    restriction: Some(r),
                    ..
                } = &mut c.region
                {
                    roots.push(&mut r.node);
                }
            }
            roots.extend(constraint.iter_mut().map(|c| &mut c.obstacle));
            roots.extend(observations.iter_mut().map(|o| &mut o.node));
            roots.extend(gauges.iter_mut().map(|g| &mut g.residual));
            for u in unknowns.iter_mut() {
                roots.extend(u.exact.iter_mut());
                roots.extend(u.ansatz.iter_mut().map(|a| &mut a.node));
            }
            self.g.compact(&mut roots);
        }
        Some(Problem {
            name: problem_name,
            graph: std::mem::take(&mut self.g),
            time: self
                .time
                .clone()
                .filter(|_| self.unknown_args.contains(&Input::Time)),
            space: self.space.clone(),
            params: self.params.clone(),
            unknowns,
            pdes,
            conditions,
            constraint,
            imposed: Vec::new(),
            reference: reference.map(|r| r.0),
            reports,
            coefficients: std::mem::take(&mut self.coefficients),
            observations,
            gauges,
        })
    }

    /// Lowers `lhs = rhs` to `lhs - rhs`, with the left side's node.
    fn residual_and_lhs(&mut self, eq: &Equation, ctx: Ctx) -> Option<(NodeId, NodeId)> {
        let env = Env::default();
        let lhs = self.lower(&eq.lhs, &env, ctx);
        let rhs = eq.rhs.as_ref().map(|r| self.lower(r, &env, ctx));
        self.scalar_residual(eq, lhs?, rhs??)
    }

    /// `lhs - rhs` of a scalar equation, with the left side's node.
    fn scalar_residual(
        &mut self,
        eq: &Equation,
        lhs: NodeId,
        rhs: NodeId,
    ) -> Option<(NodeId, NodeId)> {
        let r = self.g.binary(ir::BinOp::Sub, lhs, rhs, eq.span);
        let node = match r {
            Ok(n) => n,
            Err(e) => {
                self.type_error(e, eq.span, "the two sides");
                return None;
            }
        };
        let ty = self.g.ty(node).clone();
        if ty.shape != ir::Shape::Scalar || !ty.axes.is_empty() || ty.boolean {
            let what = if ty.boolean {
                "a condition".to_string()
            } else if !ty.axes.is_empty() {
                let names: Vec<String> = ty
                    .axes
                    .iter()
                    .map(|a| format!("`{}`", self.g.axis(*a).name))
                    .collect();
                format!("a value for each {}", names.join(", "))
            } else {
                ty.shape.describe()
            };
            self.diags.push(
                Diag::error(
                    "pdec::check::equation_not_scalar",
                    format!("an equation must be scalar, but this one is {what}"),
                )
                .primary(eq.span, "not a scalar equation")
                .help("sum over free indices, or write one equation per component; a vector equation (one per component) needs a vector unknown, `pde: d(U, t) = lap(U)`, and a matrix one is never taken"),
            );
            return None;
        }
        Some((node, lhs))
    }

    /// The unknown an expression is by itself (`u`, `U`, or `U[2]` with a number), as the
    /// left side of a time condition; nothing is reported.
    fn bare_unknown(&self, e: &ast::Expr) -> Option<UnknownRef> {
        let of_name = |e: &ast::Expr| match &e.kind {
            ExprKind::Name(n) => match self.res.get(0, n.id) {
                Some(Res::Item(r)) => self.unknown_ref(r),
                _ => None,
            },
            _ => None,
        };
        match &e.kind {
            ExprKind::Index { base, indices } => match (of_name(base), indices.as_slice()) {
                (Some(UnknownRef::Vector { first, len }), [ix]) => match ix.kind {
                    ExprKind::Number(v) if v.fract() == 0.0 && v >= 1.0 && v <= len as f64 => {
                        Some(UnknownRef::Scalar(first + v as usize - 1))
                    }
                    _ => None,
                },
                _ => None,
            },
            _ => of_name(e),
        }
    }

    /// Is the expression an unknown by itself?
    fn is_bare_unknown(&self, e: &ast::Expr) -> bool {
        self.bare_unknown(e).is_some()
    }

    fn condition_mentions_unknown(&mut self, r: NodeId, span: Span, kw: &str) -> bool {
        if self.g.depends_on_unknown(r) {
            return true;
        }
        let u = self.unknown_name();
        self.diags.push(
            Diag::error(
                "pdec::check::condition_without_unknown",
                format!("this {kw} condition does not involve the unknown"),
            )
            .primary(span, "nothing constrains the solution here")
            .help(format!(
                "write it as `{u} = value` (or with derivatives of `{u}`)"
            )),
        );
        false
    }

    fn scalar_expr(&mut self, n: NodeId, span: Span, what: &str) -> bool {
        let ty = self.g.ty(n).clone();
        if ty.shape == ir::Shape::Scalar && ty.axes.is_empty() && !ty.boolean {
            return true;
        }
        self.diags.push(
            Diag::error(
                "pdec::check::expected_scalar",
                format!(
                    "{what} must be a scalar, found {}",
                    if ty.boolean {
                        "a condition".into()
                    } else {
                        ty.shape.describe()
                    }
                ),
            )
            .primary(span, "not a scalar")
            .help("reduce vectors with `sum`, `mean`, `norm` or index them"),
        );
        false
    }
}

/// Why a coefficient function's ansatz is there, for `pdec explain`.
fn coefficient_function_why(c: &ir::Coefficient) -> String {
    use crate::syntax::print::format_number;
    format!(
        "the unknown coefficient `{}` is kept inside [{}, {}]{} by a sigmoid of the network's output, starting at {}",
        c.name,
        format_number(c.lo),
        format_number(c.hi),
        if c.log { " on a log scale" } else { "" },
        format_number(c.init)
    )
}
