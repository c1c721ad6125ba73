//! Stage 4, check: the resolved syntax tree becomes an [`ir::Problem`].
//!
//! Declarations first (time, space, params, the unknown and its arguments), then every
//! statement is lowered to IR and checked: shapes and index ranges, derivatives only of the
//! unknown and only along its arguments, domains non-empty, each boundary locus a face of its
//! domain, every face covered (or `boundary none`), the problem complete, the obstacle
//! independent of the unknown, every report point fully specified, settings valid. All
//! independent errors are collected; nothing is returned when any was found.

mod domain;
mod expr;

pub use expr::Ctx;

use crate::diag::{Diag, Diags};
use crate::ir::{
    self, Condition, Constraint, Domain, Face, Graph, Input, NodeId, ParamVar, Pde, Problem,
    Report, SpaceVar, TimeVar, Unknown, Where,
};
use crate::resolve::{ItemRef, Program, Res, Resolution};
use crate::settings::{self, Settings};
use crate::source::Span;
use crate::syntax::ast::{self, Boundary, Equation, ExprKind, ItemKind};
use crate::syntax::print;
use domain::DomainUse;
use expr::Env;
use std::collections::{BTreeMap, HashMap};

pub(crate) enum ConstState {
    InProgress,
    Done(Option<NodeId>),
}

/// A checked problem and its resolved settings.
#[derive(Clone, Debug)]
pub struct Checked {
    pub problem: Problem,
    pub settings: Settings,
}

pub struct Checker<'a> {
    program: &'a Program,
    res: &'a Resolution,
    diags: &'a mut Diags,
    g: Graph,
    inputs: HashMap<ItemRef, Input>,
    time: Option<TimeVar>,
    space: Vec<SpaceVar>,
    params: Vec<ParamVar>,
    unknown_item: Option<ItemRef>,
    unknown_name: Option<String>,
    unknown_args: Vec<Input>,
    consts: HashMap<ItemRef, ConstState>,
    /// Inputs whose declaration failed: expressions using them lower to nothing, silently,
    /// so one bad domain does not cascade into errors about every use.
    failed: std::collections::HashSet<Input>,
}

/// Checks the program; `overrides` are `--set` settings applied after the file's.
pub fn check(
    program: &Program,
    res: &Resolution,
    overrides: &[ast::Setting],
    diags: &mut Diags,
) -> Option<Checked> {
    let errors_before = diags.error_count();
    let mut c = Checker {
        program,
        res,
        diags,
        g: Graph::default(),
        inputs: HashMap::new(),
        time: None,
        space: Vec::new(),
        params: Vec::new(),
        unknown_item: None,
        unknown_name: None,
        unknown_args: Vec::new(),
        consts: HashMap::new(),
        failed: Default::default(),
    };
    c.declarations();
    let problem = c.statements();
    let mut settings = Settings::default();
    let mut solve_span: Option<Span> = None;
    for item in &program.user().ast.items {
        if let ItemKind::Solve(s) = &item.kind {
            if let Some(prev) = solve_span {
                c.duplicate(item.keyword, prev, "solve");
                continue;
            }
            solve_span = Some(item.keyword);
            settings::apply(&mut settings, s, c.diags);
        }
    }
    settings::apply(&mut settings, overrides, c.diags);
    if c.diags.error_count() > errors_before {
        return None;
    }
    Some(Checked {
        problem: problem?,
        settings,
    })
}

impl Checker<'_> {
    fn duplicate(&mut self, span: Span, prev: Span, what: &str) {
        self.diags.push(
            Diag::error(
                "pdec::check::duplicate_statement",
                format!("a problem has one `{what}` statement"),
            )
            .primary(span, "another one here")
            .secondary(prev, "first one here")
            .help(format!("merge them into one `{what}`")),
        );
    }

    fn input_name(&self, i: Input) -> &str {
        match i {
            Input::Time => self.time.as_ref().map(|t| t.name.as_str()).unwrap_or("t"),
            Input::Space(k) => &self.space[k].name,
            Input::Param(k) => &self.params[k].name,
        }
    }

    /// Time, space, params and the unknown, with their domains.
    fn declarations(&mut self) {
        let program = self.program;
        // Every input is registered before any domain is evaluated, so that a domain using a
        // later input is reported as not constant rather than silently dropped.
        let mut time_span: Option<Span> = None;
        let mut unknown_span: Option<Span> = None;
        let (mut n_space, mut n_params) = (0, 0);
        for (i, item) in program.user().ast.items.iter().enumerate() {
            let r = ItemRef { module: 0, item: i };
            match &item.kind {
                ItemKind::Time { .. } => {
                    if let Some(prev) = time_span {
                        self.duplicate(item.keyword, prev, "time");
                        continue;
                    }
                    time_span = Some(item.keyword);
                    self.inputs.insert(r, Input::Time);
                }
                ItemKind::Space { .. } => {
                    self.inputs.insert(r, Input::Space(n_space));
                    n_space += 1;
                }
                ItemKind::Param { .. } => {
                    self.inputs.insert(r, Input::Param(n_params));
                    n_params += 1;
                }
                ItemKind::Unknown { .. } => {
                    if let Some(prev) = unknown_span {
                        self.duplicate(item.keyword, prev, "unknown");
                        continue;
                    }
                    unknown_span = Some(item.keyword);
                    self.unknown_item = Some(r);
                }
                _ => {}
            }
        }
        // Placeholders first (names are known even while domains are checked).
        for (i, item) in program.user().ast.items.iter().enumerate() {
            let r = ItemRef { module: 0, item: i };
            let placeholder = Domain::Interval { lo: 0.0, hi: 1.0 };
            match (&item.kind, self.inputs.get(&r)) {
                (ItemKind::Time { name, .. }, Some(Input::Time)) => {
                    self.time = Some(TimeVar {
                        name: name.text.clone(),
                        lo: 0.0,
                        hi: 1.0,
                        span: name.span,
                    })
                }
                (ItemKind::Space { name, domain }, Some(_)) => self.space.push(SpaceVar {
                    name: name.text.clone(),
                    domain: placeholder,
                    span: name.span.to(domain.span),
                }),
                (ItemKind::Param { name, .. }, Some(_)) => self.params.push(ParamVar {
                    name: name.text.clone(),
                    lo: 0.0,
                    hi: 1.0,
                    span: name.span,
                }),
                _ => {}
            }
        }
        for (i, item) in program.user().ast.items.iter().enumerate() {
            let r = ItemRef { module: 0, item: i };
            let Some(input) = self.inputs.get(&r).copied() else {
                continue;
            };
            match (&item.kind, input) {
                (ItemKind::Time { domain, .. }, Input::Time) => {
                    match self.domain(domain, DomainUse::Time) {
                        Some(Domain::Interval { lo, hi }) => {
                            if let Some(t) = self.time.as_mut() {
                                t.lo = lo;
                                t.hi = hi;
                            }
                        }
                        _ => {
                            self.failed.insert(input);
                        }
                    }
                }
                (ItemKind::Space { domain, .. }, Input::Space(k)) => {
                    match self.domain(domain, DomainUse::Space) {
                        Some(d) => self.space[k].domain = d,
                        None => {
                            self.failed.insert(input);
                        }
                    }
                }
                (ItemKind::Param { domain, .. }, Input::Param(k)) => {
                    match self.domain(domain, DomainUse::Param) {
                        Some(Domain::Interval { lo, hi }) => {
                            self.params[k].lo = lo;
                            self.params[k].hi = hi;
                        }
                        _ => {
                            self.failed.insert(input);
                        }
                    }
                }
                _ => {}
            }
        }
        // The unknown's arguments, now that inputs are known.
        let Some(r) = self.unknown_item else { return };
        let ItemKind::Unknown { name, args } = &program.item(r).kind else {
            return;
        };
        self.unknown_name = Some(name.text.clone());
        let mut seen: HashMap<Input, Span> = HashMap::new();
        for a in args {
            let input = match self.res.get(0, a.id) {
                Some(Res::Item(ir)) => self.inputs.get(&ir).copied(),
                _ => None,
            };
            match input {
                Some(Input::Param(_)) => self.diags.push(
                    Diag::error(
                        "pdec::check::param_as_argument",
                        format!("`{}` is a parameter, not an argument of the unknown", a.text),
                    )
                    .primary(a.span, "a parameter")
                    .help(format!(
                        "parameters are network inputs already; write `unknown {}(...)` with time and space variables only",
                        name.text
                    )),
                ),
                Some(i) => {
                    if let Some(prev) = seen.insert(i, a.span) {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::bad_unknown_argument",
                                format!("`{}` appears twice among the unknown's arguments", a.text),
                            )
                            .primary(a.span, "again here")
                            .secondary(prev, "first here")
                            .help("list each variable once"),
                        );
                    } else {
                        self.unknown_args.push(i);
                    }
                }
                None => {
                    if self.res.get(0, a.id).is_some() {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::bad_unknown_argument",
                                format!("`{}` is not a time or space variable", a.text),
                            )
                            .primary(a.span, "not an input")
                            .help("declare it with `time t in [0, 1]` or `space x in [0, 1]`"),
                        );
                    }
                }
            }
        }
        // Every declared time and space variable must be an argument.
        let mut declared: Vec<(Input, Span, String)> = Vec::new();
        if let Some(t) = &self.time {
            declared.push((Input::Time, t.span, t.name.clone()));
        }
        for (k, s) in self.space.iter().enumerate() {
            declared.push((Input::Space(k), s.span, s.name.clone()));
        }
        for (input, span, vname) in declared {
            if !self.unknown_args.contains(&input) {
                self.diags.push(
                    Diag::error(
                        "pdec::check::input_not_argument",
                        format!("the unknown `{}` does not depend on `{vname}`", name.text),
                    )
                    .primary(span, "declared here")
                    .secondary(
                        name.span
                            .to(args.last().map(|a| a.span).unwrap_or(name.span)),
                        "the unknown's arguments",
                    )
                    .help(format!("add it: `unknown {}({})`", name.text, {
                        let mut v: Vec<String> = args.iter().map(|a| a.text.clone()).collect();
                        v.push(vname.clone());
                        v.join(", ")
                    })),
                );
            }
        }
    }

    /// Lowers `lhs = rhs` to `lhs - rhs`.
    fn residual(&mut self, eq: &Equation, ctx: Ctx) -> Option<NodeId> {
        let env = Env::default();
        let lhs = self.lower(&eq.lhs, &env, ctx);
        let rhs = eq.rhs.as_ref().map(|r| self.lower(r, &env, ctx));
        let lhs = lhs?;
        let rhs = rhs??;
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
                .help("sum over free indices, or write one equation; vector equations are not supported"),
            );
            return None;
        }
        Some(node)
    }

    /// The unknown by itself (`u`), as the left side of constraints and `exact`.
    fn is_bare_unknown(&self, e: &ast::Expr) -> bool {
        match &e.kind {
            ExprKind::Name(n) => {
                matches!(self.res.get(0, n.id), Some(Res::Item(r)) if Some(r) == self.unknown_item)
            }
            _ => false,
        }
    }

    fn statements(&mut self) -> Option<Problem> {
        let program = self.program;
        let items = &program.user().ast.items;
        let mut pde: Option<(Pde, Span)> = None;
        let mut problem_name: Option<(String, Span)> = None;
        let mut conditions: Vec<Condition> = Vec::new();
        let mut covered: BTreeMap<Face, Span> = BTreeMap::new();
        let mut boundary_none: Option<Span> = None;
        let mut boundary_spans: Vec<Span> = Vec::new();
        let mut unknown_locus = false;
        let mut constraint: Option<Constraint> = None;
        let mut exact: Option<(NodeId, Span)> = None;
        // The node, the keyword (for a duplicate) and the whole statement (for later passes).
        let mut ansatz: Option<(NodeId, Span, Span)> = None;
        let mut reference: Option<(String, Span)> = None;
        let mut reports = Vec::new();
        let mut time_conditions: Vec<(bool, Span)> = Vec::new();

        // Every constant is checked, used or not.
        for (i, item) in items.iter().enumerate() {
            if let ItemKind::Const { name, .. } = &item.kind {
                self.const_value(ItemRef { module: 0, item: i }, name.span);
            }
        }

        for item in items {
            match &item.kind {
                ItemKind::Problem(n) => {
                    if let Some((_, prev)) = &problem_name {
                        self.duplicate(item.keyword, *prev, "problem");
                    } else {
                        problem_name = Some((n.text.clone(), item.keyword));
                    }
                }
                ItemKind::Pde(eq) => {
                    if let Some((_, prev)) = &pde {
                        self.duplicate(item.keyword, *prev, "pde");
                        continue;
                    }
                    let Some(r) = self.residual(eq, Ctx::PDE) else {
                        continue;
                    };
                    if !self.g.depends_on_unknown(r) {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::pde_without_unknown",
                                "the equation does not involve the unknown",
                            )
                            .primary(eq.span, "nothing to solve for")
                            .help(format!(
                                "write the equation in terms of `{}` and its derivatives",
                                self.unknown_name.clone().unwrap_or_else(|| "u".into())
                            )),
                        );
                        continue;
                    }
                    pde = Some((
                        Pde {
                            residual: r,
                            span: eq.span,
                        },
                        item.keyword,
                    ));
                }
                ItemKind::Initial(eq) | ItemKind::Terminal(eq) => {
                    let terminal = matches!(item.kind, ItemKind::Terminal(_));
                    let kw = if terminal { "terminal" } else { "initial" };
                    let Some(t) = self.time.clone() else {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::condition_without_time",
                                format!("`{kw}` needs a time variable"),
                            )
                            .primary(item.keyword, "no `time` is declared")
                            .help("declare one: `time t in [0, 1]`, and add it to the unknown's arguments"),
                        );
                        continue;
                    };
                    // Counted even when it fails below: a bad condition is not a missing one.
                    time_conditions.push((terminal, item.keyword));
                    let Some(r) = self.residual(eq, Ctx::PDE) else {
                        continue;
                    };
                    if !self.condition_mentions_unknown(r, eq.span, kw) {
                        continue;
                    }
                    let at = if terminal { t.hi } else { t.lo };
                    let name = if self.is_bare_unknown(&eq.lhs) {
                        kw.to_string()
                    } else {
                        format!("{kw} {}", print::expr(&eq.lhs))
                    };
                    conditions.push(Condition {
                        name,
                        region: Where::TimeSlice { at, terminal },
                        residual: r,
                        span: item.span,
                    });
                }
                ItemKind::Boundary(Boundary::None(span)) => {
                    if let Some(prev) = boundary_none {
                        self.duplicate(*span, prev, "boundary none");
                    }
                    boundary_none = Some(item.span);
                }
                ItemKind::Boundary(Boundary::Locus(locus)) => {
                    let ast::Locus {
                        lhs,
                        rhs,
                        span,
                        binders,
                        condition,
                    } = &**locus;
                    boundary_spans.push(item.span);
                    let faces = self.locus(lhs, rhs.as_ref(), binders);
                    let r = self.residual(condition, Ctx::BOUNDARY);
                    let Some(faces) = faces else {
                        // Which faces it meant is unknown: do not call any face uncovered.
                        unknown_locus = true;
                        continue;
                    };
                    for f in &faces {
                        if let Some(prev) = covered.insert(*f, *span) {
                            let fname = self.face_name(*f);
                            self.diags.push(
                                Diag::error(
                                    "pdec::check::face_covered_twice",
                                    format!("the face `{fname}` has two boundary conditions"),
                                )
                                .primary(*span, "second condition for this face")
                                .secondary(prev, "first condition")
                                .help("give each face one condition; combine them (Robin) if both matter"),
                            );
                        }
                    }
                    let Some(r) = r else { continue };
                    if !self.condition_mentions_unknown(r, condition.span, "boundary") {
                        continue;
                    }
                    let mut name = format!("boundary {}", compact(&print::expr(lhs)));
                    if let Some(r) = rhs {
                        name.push('=');
                        name.push_str(&compact(&print::expr(r)));
                    }
                    if !binders.is_empty() {
                        let b: Vec<String> = binders
                            .iter()
                            .map(|b| {
                                format!(
                                    "{} in {}..{}",
                                    b.name.text,
                                    print::expr(&b.lo),
                                    print::expr(&b.hi)
                                )
                            })
                            .collect();
                        name.push_str(&format!(" for {}", b.join(", ")));
                    }
                    conditions.push(Condition {
                        name,
                        region: Where::Faces { faces },
                        residual: r,
                        span: item.span,
                    });
                }
                ItemKind::Periodic(e) => {
                    boundary_spans.push(item.span);
                    let Some((var, comp, faces)) = self.periodic(e) else {
                        unknown_locus = true;
                        continue;
                    };
                    for f in &faces {
                        if let Some(prev) = covered.insert(*f, e.span) {
                            let fname = self.face_name(*f);
                            self.diags.push(
                                Diag::error(
                                    "pdec::check::face_covered_twice",
                                    format!("the face `{fname}` has two boundary conditions"),
                                )
                                .primary(e.span, "periodicity covers this face")
                                .secondary(prev, "another condition")
                                .help(
                                    "a periodic coordinate needs no other condition on its faces",
                                ),
                            );
                        }
                    }
                    let u = self.g.add(ir::Op::U, ir::Ty::scalar(), e.span);
                    conditions.push(Condition {
                        name: format!("periodic {}", compact(&print::expr(e))),
                        region: Where::Periodic { var, comp },
                        residual: u,
                        span: item.span,
                    });
                }
                ItemKind::Constraint { lhs, op, rhs, .. } => {
                    if let Some(prev) = &constraint {
                        self.duplicate(item.keyword, prev.span, "constraint");
                        continue;
                    }
                    if !self.is_bare_unknown(lhs) {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::constraint_lhs",
                                "the left side of a constraint must be the unknown itself",
                            )
                            .primary(lhs.span, "not the unknown")
                            .help(format!(
                                "write `constraint {} >= obstacle`",
                                self.unknown_name.clone().unwrap_or_else(|| "u".into())
                            )),
                        );
                        continue;
                    }
                    let Some(g) = self.lower(rhs, &Env::default(), Ctx::OBSTACLE) else {
                        continue;
                    };
                    if !self.scalar_expr(g, rhs.span, "the obstacle") {
                        continue;
                    }
                    constraint = Some(Constraint {
                        at_least: *op == ast::ConstraintOp::AtLeast,
                        obstacle: g,
                        span: item.span,
                    });
                }
                ItemKind::Exact(eq) => {
                    if let Some((_, prev)) = exact {
                        self.duplicate(item.keyword, prev, "exact");
                        continue;
                    }
                    if !self.is_bare_unknown(&eq.lhs) {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::exact_lhs",
                                "the left side of `exact` must be the unknown itself",
                            )
                            .primary(eq.lhs.span, "not the unknown")
                            .help(format!(
                                "write `exact {} = expression`",
                                self.unknown_name.clone().unwrap_or_else(|| "u".into())
                            )),
                        );
                        continue;
                    }
                    let Some(rhs) = &eq.rhs else { continue };
                    let Some(v) = self.lower(rhs, &Env::default(), Ctx::EXACT) else {
                        continue;
                    };
                    if self.scalar_expr(v, rhs.span, "the exact solution") {
                        exact = Some((v, item.keyword));
                    }
                }
                ItemKind::Ansatz(eq) => {
                    if let Some((_, prev, _)) = ansatz {
                        self.duplicate(item.keyword, prev, "ansatz");
                        continue;
                    }
                    if !self.is_bare_unknown(&eq.lhs) {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::ansatz_lhs",
                                "the left side of `ansatz` must be the unknown itself",
                            )
                            .primary(eq.lhs.span, "not the unknown")
                            .help(format!(
                                "write `ansatz {} = g + h * net`, with `net` the network's output",
                                self.unknown_name.clone().unwrap_or_else(|| "u".into())
                            )),
                        );
                        continue;
                    }
                    let Some(rhs) = &eq.rhs else { continue };
                    let Some(v) = self.lower(rhs, &Env::default(), Ctx::ANSATZ) else {
                        continue;
                    };
                    if !self.scalar_expr(v, rhs.span, "the ansatz") {
                        continue;
                    }
                    // `d(u, x)` names the unknown without reading it as a value.
                    if self.g.any(v, &mut |op| {
                        matches!(op, ir::Op::Deriv(_) | ir::Op::NormalDeriv)
                    }) {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::ansatz_depends_on_unknown",
                                "the ansatz cannot use derivatives of the unknown",
                            )
                            .primary(rhs.span, "derivatives of the unknown are used here")
                            .help("the ansatz defines the unknown from `net` and the inputs; derivatives of both are taken for you"),
                        );
                        continue;
                    }
                    if !self.g.depends_on_unknown(v) {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::ansatz_without_net",
                                "the ansatz does not use the network's output `net`",
                            )
                            .primary(rhs.span, "nothing left to train")
                            .help("write it as `g + h * net`: `g` meets the conditions, `h` vanishes where they are given (e.g. `t * x * (1 - x)`)"),
                        );
                        continue;
                    }
                    ansatz = Some((v, item.keyword, item.span));
                }
                ItemKind::Reference { path, span } => {
                    if let Some((_, prev)) = &reference {
                        self.duplicate(item.keyword, *prev, "reference");
                        continue;
                    }
                    if let Some(why) = reference_problem(path) {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::reference_outside_folder",
                                format!("reference file `{path}` is not allowed: {why}"),
                            )
                            .primary(*span, "outside the problem's folder")
                            .help("put the CSV file next to the `.pde` file (or in a sub-folder) and give a relative path"),
                        );
                        continue;
                    }
                    reference = Some((path.clone(), item.keyword));
                }
                ItemKind::Report(e) => {
                    if let Some(r) = self.report(e) {
                        reports.push(r);
                    }
                }
                ItemKind::Use(_)
                | ItemKind::Const { .. }
                | ItemKind::Param { .. }
                | ItemKind::Time { .. }
                | ItemKind::Space { .. }
                | ItemKind::Unknown { .. }
                | ItemKind::Fn { .. }
                | ItemKind::Solve(_) => {}
            }
        }

        // Completeness.
        let file_span = Span::new(program.user().file, 0, 0);
        if self.unknown_item.is_none() {
            self.diags.push(
                Diag::error(
                    "pdec::check::missing_unknown",
                    "the problem declares no unknown",
                )
                .primary(file_span, "nothing to solve for")
                .help("declare the solution's name and arguments: `unknown u(t, x)`"),
            );
        }
        if pde.is_none()
            && self.unknown_item.is_some()
            && !items.iter().any(|i| matches!(i.kind, ItemKind::Pde(_)))
        {
            self.diags.push(
                Diag::error("pdec::check::missing_pde", "the problem has no equation")
                    .primary(file_span, "no `pde` statement")
                    .help("state it: `pde d(u, t) = lap(u)`"),
            );
        }
        if let Some(t) = &self.time
            && self.unknown_args.contains(&Input::Time)
        {
            if time_conditions.is_empty() {
                self.diags.push(
                    Diag::error(
                        "pdec::check::missing_initial",
                        "a time-dependent problem needs an initial or terminal condition",
                    )
                    .primary(t.span, "time declared here")
                    .help(format!(
                        "add `initial u = ...` (the value at {} = {}) or, for a backward equation such as Black-Scholes, `terminal u = ...` (at {} = {})",
                        t.name,
                        print::format_number(t.lo),
                        t.name,
                        print::format_number(t.hi)
                    )),
                );
            }
            let initial = time_conditions.iter().find(|c| !c.0);
            let terminal = time_conditions.iter().find(|c| c.0);
            if let (Some(i), Some(tc)) = (initial, terminal) {
                self.diags.push(
                    Diag::error(
                        "pdec::check::initial_and_terminal",
                        "a problem has either initial or terminal conditions, not both",
                    )
                    .primary(tc.1, "terminal condition")
                    .secondary(i.1, "initial condition")
                    .help("a forward equation takes `initial`, a backward one (`d(u, t) + ... = 0`, as in finance) takes `terminal`"),
                );
            }
        }
        // Boundary coverage.
        if let Some(none_span) = boundary_none {
            if let Some(first) = boundary_spans.first() {
                self.diags.push(
                    Diag::error(
                        "pdec::check::boundary_none_conflict",
                        "`boundary none` contradicts the boundary conditions given",
                    )
                    .primary(none_span, "no boundary data, it says")
                    .secondary(*first, "but here is one")
                    .help("remove `boundary none`, or the boundary conditions"),
                );
            }
        } else if !unknown_locus {
            let mut missing_by_var: BTreeMap<usize, Vec<Face>> = BTreeMap::new();
            for (k, v) in self.space.iter().enumerate() {
                if self.failed.contains(&Input::Space(k)) {
                    continue;
                }
                for f in v.domain.faces(k) {
                    if !covered.contains_key(&f) {
                        missing_by_var.entry(k).or_default().push(f);
                    }
                }
            }
            for (var, faces) in missing_by_var {
                let names: Vec<String> = faces
                    .iter()
                    .take(4)
                    .map(|f| format!("`{}`", self.face_name(*f)))
                    .collect();
                let more = if faces.len() > 4 {
                    format!(" and {} more", faces.len() - 4)
                } else {
                    String::new()
                };
                let v = &self.space[var];
                self.diags.push(
                    Diag::error(
                        "pdec::check::missing_boundary",
                        format!("{} of `{}` {} no boundary condition", crate::diag::render::plural(faces.len(), "face"), v.name, if faces.len() == 1 { "has" } else { "have" }),
                    )
                    .primary(v.span, format!("uncovered: {}{more}", names.join(", ")))
                    .help(format!(
                        "add e.g. `boundary {}: u = ...` or `boundary on({}): ...`; write `boundary none` to train without boundary data (unbounded domains, sampling boxes)",
                        self.face_name(faces[0]),
                        v.name
                    )),
                );
            }
        }

        let (pde, _) = pde?;
        let unknown_item = self.unknown_item?;
        let ItemKind::Unknown { name, .. } = &program.item(unknown_item).kind else {
            return None;
        };
        let problem_name = problem_name.map(|p| p.0).unwrap_or_else(|| {
            let file = &program.sources.get(program.user().file).name;
            std::path::Path::new(file)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "problem".into())
        });
        let mut pde = pde;
        let mut exact = exact.map(|e| e.0);
        let mut ansatz = ansatz.map(|(node, _, span)| ir::Ansatz {
            node,
            space_gradient: Vec::new(),
            span,
        });
        {
            let mut roots: Vec<&mut NodeId> = vec![&mut pde.residual];
            roots.extend(conditions.iter_mut().map(|c| &mut c.residual));
            roots.extend(constraint.iter_mut().map(|c| &mut c.obstacle));
            roots.extend(exact.iter_mut());
            roots.extend(ansatz.iter_mut().map(|a| &mut a.node));
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
            unknown: Unknown {
                name: name.text.clone(),
                args: self.unknown_args.clone(),
                span: name.span,
            },
            pde,
            conditions,
            constraint,
            exact,
            ansatz,
            imposed: Vec::new(),
            reference: reference.map(|r| r.0),
            reports,
        })
    }

    fn condition_mentions_unknown(&mut self, r: NodeId, span: Span, kw: &str) -> bool {
        if self.g.depends_on_unknown(r) {
            return true;
        }
        let u = self.unknown_name.clone().unwrap_or_else(|| "u".into());
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

    /// `report u(0, x = 1, nu = 0.05)`: a value for every argument and every param.
    fn report(&mut self, e: &ast::Expr) -> Option<Report> {
        let u = self.unknown_name.clone().unwrap_or_else(|| "u".into());
        let ExprKind::Call { callee, args } = &e.kind else {
            self.report_not_unknown(e.span, &u);
            return None;
        };
        if !matches!(self.res.get(0, callee.id), Some(Res::Item(r)) if Some(r) == self.unknown_item)
        {
            self.report_not_unknown(e.span, &u);
            return None;
        }
        let env = Env::default();
        // Which input each argument gives a value for.
        let mut given: HashMap<Input, (Span, &ast::Expr)> = HashMap::new();
        let mut ok = true;
        for (i, a) in args.iter().enumerate() {
            let input = match &a.name {
                None => match self.unknown_args.get(i) {
                    Some(input) => *input,
                    None => {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::arity",
                                format!("`{u}` has {} arguments", self.unknown_args.len()),
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
        let mut missing: Vec<String> = Vec::new();
        for i in self
            .unknown_args
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
            return None;
        }
        let mut time = None;
        let mut space = vec![Vec::new(); self.space.len()];
        let mut params = vec![0.0; self.params.len()];
        for (input, (span, value)) in given {
            match input {
                Input::Time => time = Some(self.const_scalar(value, &env, "a report value")?),
                Input::Param(k) => params[k] = self.const_scalar(value, &env, "a report value")?,
                Input::Space(k) => {
                    let n = self.lower(
                        value,
                        &env,
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
                    space[k] = vals;
                }
            }
        }
        Some(Report {
            text: print::expr(e),
            time,
            space,
            params,
            span: e.span,
        })
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

/// `x[i] = 0` -> `x[i]=0`: loss-term names without inner spaces.
fn compact(s: &str) -> String {
    s.replace(' ', "")
}

/// Why a reference path would reach outside the problem's folder, if it does.
fn reference_problem(path: &str) -> Option<&'static str> {
    let p = std::path::Path::new(path);
    if path.is_empty() {
        return Some("the path is empty");
    }
    if p.is_absolute() || path.starts_with('/') || path.starts_with('\\') || path.contains(':') {
        return Some("absolute paths are not allowed");
    }
    if p.components()
        .any(|c| matches!(c, std::path::Component::ParentDir))
        || path.split(['/', '\\']).any(|s| s == "..")
    {
        return Some("`..` leaves the problem's folder");
    }
    None
}
