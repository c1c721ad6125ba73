//! Stage 4, check: the resolved syntax tree becomes an [`ir::Problem`](crate::ir::Problem).
//!
//! Declarations first (time, space, params, the unknown and its arguments), then every
//! statement is lowered to IR and checked: shapes and index ranges, derivatives only of the
//! unknown and only along its arguments, domains non-empty, each boundary locus a face of its
//! domain, every face covered (or `boundary none`), the problem complete, the obstacle
//! independent of the unknown, every report point fully specified, settings valid. All
//! independent errors are collected; nothing is returned when any was found.
//!
//! The rooms: `declarations` (inputs and the unknown), `domain` (the domains of inputs),
//! `locus` (boundary loci and periodic coordinates as faces), `expr` (lowering expressions,
//! by construct), `statements` (each kind of statement, completeness, the problem assembled),
//! `setting_values` (constant expressions in settings, folded before they are read).
//! This file holds the [`Checker`] they all extend and [`check`], which runs them in order
//! and then reads the settings.

mod coefficients;
mod csg;
mod csg_locus;
mod declarations;
mod domain;
mod expr;
mod locus;
mod setting_values;
mod statements;
mod vector_unknowns;

pub use expr::Ctx;

use crate::diag::{Diag, Diags};
use crate::ir::{Graph, Input, NodeId, ParamVar, Problem, SpaceVar, TimeVar};
use crate::resolve::{ItemRef, Program, Resolution};
use crate::settings::{self, Settings};
use crate::source::Span;
use crate::syntax::ast::{self, ItemKind};
use std::collections::HashMap;

/// A `const` item's evaluation: under way (a use now is a cycle) or done, with its node.
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

/// An `unknown` declaration: its item and name.
#[derive(Clone, Debug)]
struct DeclaredUnknown {
    item: ItemRef,
    name: String,
    span: Span,
    /// Its arguments in declared order (filled once the inputs are known).
    args: Vec<Input>,
    /// A vector unknown's component (0-based): `name` is then `U[1]`, `U[2]`, ...
    component: Option<usize>,
}

/// An unknown as an expression names it: a scalar unknown or one component (`u`, `U[2]`),
/// or a vector unknown's components (`U`), by their numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnknownRef {
    Scalar(usize),
    /// Components `first .. first + len`.
    Vector {
        first: usize,
        len: usize,
    },
}

impl UnknownRef {
    /// The unknowns' numbers, in order.
    pub(crate) fn numbers(self) -> std::ops::Range<usize> {
        match self {
            UnknownRef::Scalar(k) => k..k + 1,
            UnknownRef::Vector { first, len } => first..first + len,
        }
    }
}

/// The state of stage 4: the graph being built, the inputs and the unknown as declared, and
/// the `const` items evaluated so far. Each room adds its methods.
pub struct Checker<'a> {
    program: &'a Program,
    res: &'a Resolution,
    diags: &'a mut Diags,
    g: Graph,
    inputs: HashMap<ItemRef, Input>,
    time: Option<TimeVar>,
    space: Vec<SpaceVar>,
    params: Vec<ParamVar>,
    /// The declared unknowns in order (`Op::U(k)` is the k-th).
    unknowns: Vec<DeclaredUnknown>,
    /// Every unknown's arguments, each input once (unknowns may take different ones).
    unknown_args: Vec<Input>,
    consts: HashMap<ItemRef, ConstState>,
    /// Inputs whose declaration failed: expressions using them lower to nothing, silently,
    /// so one bad domain does not cascade into errors about every use.
    failed: std::collections::HashSet<Input>,
    /// Report values outside their input's range, reported once the settings say whether
    /// extrapolation is allowed.
    outside_reports: Vec<statements::OutsidePoint>,
    /// The pieces constructive domains name (`ball(...) as hole`): binding occurrence to
    /// (space variable, index into its `Csg::pieces`).
    pieces: HashMap<crate::syntax::ast::NameId, (usize, usize)>,
    /// `unknown const` items and their indices into `coefficients` (`Op::Coef(k)`).
    coef_items: HashMap<ItemRef, coefficients::CoefItem>,
    coefficients: Vec<crate::ir::Coefficient>,
    /// `unknown coef k(x) in [lo, hi]`: each coefficient function's range, by unknown number
    /// (those whose range failed to check are absent).
    coef_fns: std::collections::BTreeMap<usize, crate::ir::Coefficient>,
    /// Each `dn(u)` lowered, by unknown and the call's own span (nodes are shared, so a
    /// node's span may be another statement's): a boundary condition checks its own against
    /// its faces.
    dn_calls: Vec<(usize, Span)>,
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
        unknowns: Vec::new(),
        unknown_args: Vec::new(),
        consts: HashMap::new(),
        failed: Default::default(),
        outside_reports: Vec::new(),
        pieces: HashMap::new(),
        dn_calls: Vec::new(),
        coef_items: HashMap::new(),
        coefficients: Vec::new(),
        coef_fns: Default::default(),
    };
    c.declarations();
    c.coefficient_declarations();
    c.coefficient_functions();
    // Settings' constant expressions are folded before the statements: assembling the
    // problem compacts the graph, after which the nodes of `const` items have moved.
    let mut solve_blocks = Vec::new();
    let mut solve_span: Option<Span> = None;
    for item in &program.user().ast.items {
        if let ItemKind::Solve(s) = &item.kind {
            if let Some(prev) = solve_span {
                c.duplicate(item.keyword, prev, "solve");
                continue;
            }
            solve_span = Some(item.keyword);
            solve_blocks.push(c.fold_settings(s));
        }
    }
    let overrides = c.fold_settings(overrides);
    let problem = c.statements();
    let mut settings = Settings::default();
    for s in solve_blocks.iter().chain([&overrides]) {
        settings::apply(&mut settings, s, c.diags);
    }
    c.report_ranges(&settings);
    if c.diags.error_count() > errors_before {
        return None;
    }
    Some(Checked {
        problem: problem?,
        settings,
    })
}

impl Checker<'_> {
    /// The number of the unknown that item `r` declares (a vector unknown's first
    /// component).
    fn unknown_of(&self, r: ItemRef) -> Option<usize> {
        self.unknowns.iter().position(|u| u.item == r)
    }

    /// The unknowns that item `r` declares: one scalar, or a vector's components.
    fn unknown_ref(&self, r: ItemRef) -> Option<UnknownRef> {
        let first = self.unknown_of(r)?;
        if self.unknowns[first].component.is_none() {
            return Some(UnknownRef::Scalar(first));
        }
        let len = self.unknowns[first..]
            .iter()
            .take_while(|u| u.item == r)
            .count();
        Some(UnknownRef::Vector { first, len })
    }

    /// The first unknown's name (`u` before any is declared), for hints.
    fn unknown_name(&self) -> String {
        self.unknowns
            .first()
            .map_or_else(|| "u".into(), |u| u.name.clone())
    }

    /// "a problem has one `what` statement": a second `time`, `pde`, `solve`, ...
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

    /// An input's declared name.
    fn input_name(&self, i: Input) -> &str {
        match i {
            Input::Time => self.time.as_ref().map(|t| t.name.as_str()).unwrap_or("t"),
            Input::Space(k) => &self.space[k].name,
            Input::Param(k) => &self.params[k].name,
        }
    }
}
