//! Binding: the walk over one module's items and expressions that records, for every name,
//! what it refers to in the module's [`Scope`] and the locals (function parameters and index
//! variables) around it, with the diagnostics of an unknown, misused or duplicated name.

use std::collections::{HashMap, HashSet};

use super::hints::{InReach, Slot};
use super::scope::{Kind, Scope};
use super::{ItemRef, Program, Res};
use crate::builtins;
use crate::diag::suggest::notation_habit;
use crate::diag::{Diag, Diags};
use crate::source::Span;
use crate::syntax::ast::*;

/// The walk over one module: its scope, the locals in reach, and the table it fills.
pub(super) struct Resolver<'p> {
    pub(super) program: &'p Program,
    pub(super) scope: Scope,
    pub(super) locals: Vec<(String, NameId)>,
    pub(super) table: Vec<Option<Res>>,
    pub(super) used: &'p mut HashSet<ItemRef>,
    pub(super) diags: &'p mut Diags,
    pub(super) unknown_name: Option<String>,
    pub(super) vector_names: Vec<String>,
}

impl Resolver<'_> {
    pub(super) fn item(&mut self, item: &Item) {
        match &item.kind {
            ItemKind::Problem(_) | ItemKind::Use(_) | ItemKind::Reference { .. } => {}
            // Settings are read by `check` (their names by text, check/setting_values.rs);
            // a constant used only there is used.
            ItemKind::Solve(settings) => {
                for s in settings {
                    self.mark_used_by_text(&s.value);
                }
            }
            ItemKind::Unknown {
                args,
                components,
                coef,
                ..
            } => {
                for a in args {
                    self.value_name(a, Slot::Variable);
                }
                if let Some(n) = components {
                    self.expr(n);
                }
                if let Some(c) = coef {
                    self.expr(&c.range);
                    if let Some(v) = &c.init {
                        self.expr(v);
                    }
                }
            }
            ItemKind::Const { binders, value, .. } => {
                let n = self.push_binders(binders);
                self.expr(value);
                self.locals.truncate(self.locals.len() - n);
            }
            ItemKind::Coefficient {
                components,
                range,
                init,
                ..
            } => {
                if let Some(n) = components {
                    self.expr(n);
                }
                self.expr(range);
                if let Some(v) = init {
                    self.expr(v);
                }
            }
            ItemKind::Observe {
                target,
                weight,
                at,
                noise,
                ..
            } => {
                self.expr(target);
                if let Some(n) = noise {
                    self.expr(n);
                }
                for (a, b) in at {
                    self.expr(a);
                    self.expr(b);
                }
                if let Some(w) = weight {
                    self.expr(w);
                }
            }
            ItemKind::Param { domain, .. }
            | ItemKind::Time { domain, .. }
            | ItemKind::Space { domain, .. } => self.expr(domain),
            ItemKind::Fn { params, body, .. } => {
                let mut seen: HashMap<&str, Span> = HashMap::new();
                for p in params {
                    if let Some(prev) = seen.insert(&p.text, p.span) {
                        self.diags.push(
                            Diag::error(
                                "pdec::resolve::duplicate_definition",
                                format!("parameter `{}` appears twice", p.text),
                            )
                            .primary(p.span, "again here")
                            .secondary(prev, "first here")
                            .help("give each parameter its own name"),
                        );
                    }
                    self.locals.push((p.text.clone(), p.id));
                    self.table[p.id.0 as usize] = Some(Res::Local(p.id));
                }
                self.expr(body);
                self.locals.truncate(self.locals.len() - params.len());
            }
            ItemKind::Pde { eq, .. }
            | ItemKind::Initial(eq)
            | ItemKind::Terminal(eq)
            | ItemKind::Exact(eq)
            | ItemKind::Ansatz(eq)
            | ItemKind::Gauge(eq) => self.equation(eq),
            ItemKind::Boundary(Boundary::None(_)) => {}
            ItemKind::Boundary(Boundary::Locus(locus)) => {
                let Locus {
                    lhs,
                    rhs,
                    binders,
                    restriction,
                    condition,
                    ..
                } = &**locus;
                let n = self.push_binders(binders);
                self.expr(lhs);
                if let Some(r) = rhs {
                    self.expr(r);
                }
                if let Some(r) = restriction {
                    self.expr(r);
                }
                self.equation(condition);
                self.locals.truncate(self.locals.len() - n);
            }
            ItemKind::Periodic(e) | ItemKind::Report(e) => self.expr(e),
            ItemKind::Constraint { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
        }
    }

    fn equation(&mut self, eq: &Equation) {
        // A bare name on the left (`initial U = 0`) is most likely the unknown.
        let side = match eq.lhs.kind {
            ExprKind::Name(_) => Slot::LeftSide,
            _ => Slot::Value,
        };
        self.expr_in(&eq.lhs, side);
        if let Some(r) = &eq.rhs {
            self.expr(r);
        }
    }

    /// Resolves the ranges, then brings the binders into scope; returns how many.
    fn push_binders(&mut self, binders: &[Binder]) -> usize {
        for b in binders {
            self.expr(&b.lo);
            self.expr(&b.hi);
            self.locals.push((b.name.text.clone(), b.name.id));
            self.table[b.name.id.0 as usize] = Some(Res::Local(b.name.id));
        }
        binders.len()
    }

    /// Marks the file's items named in `e` as used, by their text, without resolving them.
    fn mark_used_by_text(&mut self, e: &Expr) {
        super::checks::visit_names(e, &mut |name, callee| {
            let scope = if callee {
                &self.scope.callables
            } else {
                &self.scope.values
            };
            let found = scope
                .get(&name.text)
                .or_else(|| self.scope.callables.get(&name.text));
            if let Some(Res::Item(i)) = found {
                self.used.insert(*i);
            }
        });
    }

    /// The names in reach, for the help of an undeclared one.
    fn in_reach(&self) -> InReach<'_> {
        InReach {
            program: self.program,
            scope: &self.scope,
            locals: &self.locals,
        }
    }

    fn record(&mut self, id: NameId, r: Res) {
        self.table[id.0 as usize] = Some(r);
        if let Res::Item(i) = r {
            self.used.insert(i);
        }
    }

    fn value_name(&mut self, name: &Ident, slot: Slot) {
        if let Some((_, id)) = self.locals.iter().rev().find(|(n, _)| *n == name.text) {
            let id = *id;
            self.record(name.id, Res::Local(id));
            return;
        }
        if let Some(r) = self.scope.values.get(&name.text).copied() {
            self.record(name.id, r);
            return;
        }
        if let Some(r) = self.scope.callables.get(&name.text).copied() {
            // A function of no arguments is a named expression: `k` means `k()`.
            if let Res::Item(i) = r
                && let ItemKind::Fn { params, .. } = &self.program.item(i).kind
                && params.is_empty()
            {
                self.record(name.id, r);
                return;
            }
            let what = match r {
                Res::Builtin(b) => builtins::info(b).signature.to_string(),
                _ => format!("{}(...)", name.text),
            };
            self.diags.push(
                Diag::error(
                    "pdec::resolve::function_as_value",
                    format!("`{}` is a function, used here as a value", name.text),
                )
                .primary(name.span, "needs arguments")
                .help(format!("call it: `{what}`")),
            );
            return;
        }
        if self.scope.poisoned_all || self.scope.poisoned.contains(&name.text) {
            return;
        }
        // The keyword `boundary` reaches here only as a call's argument other than `dist`'s.
        let keyword = (name.text == "boundary").then(|| {
            "`boundary` as a value names the domain's boundary in `dist(boundary)` only (a distance to it, zero on it)".to_string()
        });
        let help = keyword
            .or_else(|| {
                notation_habit(&name.text, self.unknown_name.as_deref(), &self.vector_names)
            })
            .unwrap_or_else(|| self.in_reach().unknown_value_help(&name.text, slot));
        self.diags.push(
            Diag::error(
                "pdec::resolve::unknown_name",
                format!("unknown name `{}`", name.text),
            )
            .primary(name.span, "not declared")
            .help(help),
        );
    }

    fn callee(&mut self, name: &Ident) {
        if let Some(r) = self.scope.callables.get(&name.text).copied() {
            self.record(name.id, r);
            return;
        }
        if let Some(r) = self.scope.values.get(&name.text).copied().or_else(|| {
            self.locals
                .iter()
                .rev()
                .find(|(n, _)| *n == name.text)
                .map(|(_, id)| Res::Local(*id))
        }) {
            let what = match r {
                Res::Item(i) => Kind::of(&self.program.item(i).kind)
                    .map(|(k, _)| k.describe())
                    .unwrap_or("a value"),
                Res::Local(_) => "a local value",
                Res::Builtin(_) => "a value",
            };
            self.diags.push(
                Diag::error(
                    "pdec::resolve::not_callable",
                    format!("`{}` is {what}, not a function", name.text),
                )
                .primary(name.span, "called here")
                .help("for multiplication write `*` explicitly: `a * (b + c)`"),
            );
            return;
        }
        if self.scope.poisoned_all || self.scope.poisoned.contains(&name.text) {
            return;
        }
        let help = match name.text.as_str() {
            "ln" => "the natural logarithm is `log`".to_string(),
            "laplacian" | "laplace" | "Delta" => "the Laplacian is `lap(u)`".to_string(),
            "nabla" | "gradient" => "the gradient is `grad(u)`".to_string(),
            "diff" | "D" | "partial" | "deriv" => {
                "derivatives are written `d(u, x)`, `d(u, x, x)`".to_string()
            }
            "pow" => "powers are written `a ^ b`".to_string(),
            "sum" | "prod" => "write `sum(i in 1..d) expression` or `sum(v)`".to_string(),
            _ => match self.in_reach().unknown_callee_suggestion(&name.text) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "define it with `fn {}(...) = ...`, or import it from std (`pdec std` lists the modules)",
                    name.text
                ),
            },
        };
        self.diags.push(
            Diag::error(
                "pdec::resolve::unknown_function",
                format!("unknown function `{}`", name.text),
            )
            .primary(name.span, "not defined")
            .help(help),
        );
    }

    fn expr(&mut self, e: &Expr) {
        self.expr_in(e, Slot::Value);
    }

    /// An expression in a position that takes names of some kinds (`slot`), for the help
    /// of an undeclared name.
    fn expr_in(&mut self, e: &Expr, slot: Slot) {
        match &e.kind {
            ExprKind::Number(_) => {}
            ExprKind::Name(n) => self.value_name(n, slot),
            ExprKind::Call { callee, args } => {
                self.callee(callee);
                let builtin = match self.table[callee.id.0 as usize] {
                    Some(Res::Builtin(b)) => Some(b),
                    _ => None,
                };
                for (k, a) in args.iter().enumerate() {
                    // `dist(boundary)`: a word, not a name (the checker reads it).
                    if builtin == Some(builtins::Builtin::Dist)
                        && matches!(&a.value.kind, ExprKind::Name(n) if n.text == "boundary")
                    {
                        continue;
                    }
                    self.expr_in(&a.value, Slot::of_argument(builtin, k));
                }
            }
            ExprKind::Index { base, indices } => {
                // `d(u, x[i])`: the base is the variable; the index is a value.
                self.expr_in(base, slot);
                for i in indices {
                    self.expr(i);
                }
            }
            ExprKind::Unary { operand, .. } => self.expr(operand),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                self.expr(cond);
                self.expr(then);
                self.expr(otherwise);
            }
            ExprKind::Reduce { binders, body, .. } => {
                let n = self.push_binders(binders);
                self.expr(body);
                self.locals.truncate(self.locals.len() - n);
            }
            ExprKind::ReduceVector { arg, .. } => self.expr(arg),
            ExprKind::List(items) => {
                for i in items {
                    self.expr(i);
                }
            }
            // `ball(...) as hole`: `hole` is declared (the scope has it already).
            ExprKind::Named { inner, name } => {
                self.expr_in(inner, slot);
                self.table[name.id.0 as usize] = Some(Res::Local(name.id));
            }
        }
    }
}
