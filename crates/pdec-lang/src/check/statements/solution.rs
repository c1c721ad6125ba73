//! What is given about the solution itself: `exact u = ...` (a closed form to compare
//! against), `ansatz u = g + h * net` (the unknown made from the network's output) and
//! `reference "file.csv"` (data inside the problem's folder).

use super::Found;
use crate::check::expr::{Ctx, Env};
use crate::check::vector_unknowns::Named;
use crate::check::{Checker, UnknownRef};
use crate::diag::Diag;
use crate::ir;
use crate::syntax::ast::{Equation, Item};

impl Checker<'_> {
    /// `exact u = expression`: a scalar of the inputs only; `exact U = [a, b]` gives each
    /// component of a vector unknown its own.
    pub(super) fn exact_statement(&mut self, item: &Item, eq: &Equation, s: &mut Found) {
        let u = match self.named_unknown(&eq.lhs, &Env::default()) {
            Named::Unknown(u) => Some(u),
            Named::Failed => return,
            Named::Other => None,
        };
        if let Some(UnknownRef::Vector { first, len }) = u {
            return self.vector_exact(item, eq, first, len, s);
        }
        let Some(UnknownRef::Scalar(k)) = u else {
            self.diags.push(
                Diag::error(
                    "pdec::check::exact_lhs",
                    "the left side of `exact` must be the unknown itself",
                )
                .primary(eq.lhs.span, "not the unknown")
                .help(format!(
                    "write `exact {} = expression`",
                    self.unknown_name()
                )),
            );
            return;
        };
        if let Some((_, prev, _)) = s.exact.get(&k) {
            let what = self.exact_kind("exact", k);
            self.duplicate(item.keyword, *prev, &what);
            return;
        }
        let Some(rhs) = &eq.rhs else { return };
        let Some(v) = self.lower(rhs, &Env::default(), Ctx::EXACT) else {
            return;
        };
        if self.scalar_expr(v, rhs.span, "the exact solution") {
            s.exact.insert(k, (v, item.keyword, item.span));
        }
    }

    /// `ansatz u = expression`: a scalar of `net` and the inputs, no derivatives of the
    /// unknown; `ansatz U = ...` of a vector unknown, a vector of `net` (its outputs), one
    /// ansatz per component.
    pub(super) fn ansatz_statement(&mut self, item: &Item, eq: &Equation, s: &mut Found) {
        let k = match self.named_unknown(&eq.lhs, &Env::default()) {
            Named::Unknown(UnknownRef::Scalar(k)) => Some(k),
            Named::Unknown(UnknownRef::Vector { first, len }) => {
                return self.vector_ansatz(item, eq, first, len, s);
            }
            Named::Failed => return,
            Named::Other => None,
        };
        let Some(k) = k else {
            self.diags.push(
                Diag::error(
                    "pdec::check::ansatz_lhs",
                    "the left side of `ansatz` must be the unknown itself",
                )
                .primary(eq.lhs.span, "not the unknown")
                .help(format!(
                    "write `ansatz {} = g + h * net`, with `net` the network's output",
                    self.unknown_name()
                )),
            );
            return;
        };
        if self.coefficient_function_ansatz(k, item) {
            return;
        }
        if let Some((_, prev, _)) = s.ansatz.get(&k) {
            let what = self.exact_kind("ansatz", k);
            self.duplicate(item.keyword, *prev, &what);
            return;
        }
        let Some(rhs) = &eq.rhs else { return };
        let ctx = Ctx {
            network: Some((k, 1)),
            ..Ctx::ANSATZ
        };
        let Some(v) = self.lower(rhs, &Env::default(), ctx) else {
            return;
        };
        if !self.scalar_expr(v, rhs.span, "the ansatz") {
            return;
        }
        if self.ansatz_reads_network(v, rhs.span) {
            s.ansatz.insert(k, (v, item.keyword, item.span));
        }
    }

    /// `ansatz U = expression` of a vector unknown of `len` components from `first` on: a
    /// vector of `net` (the vector of its outputs) and the inputs; component `j` is `U[j]`'s
    /// ansatz and reads `U[j]`'s output only (`dist(walls) * net`, `[g1 + h * net[1], ...]`).
    fn vector_ansatz(
        &mut self,
        item: &Item,
        eq: &Equation,
        first: usize,
        len: usize,
        s: &mut Found,
    ) {
        if self.coefficient_function_ansatz(first, item) {
            return;
        }
        let Some(rhs) = &eq.rhs else { return };
        let ctx = Ctx {
            network: Some((first, len)),
            ..Ctx::ANSATZ
        };
        // Indexing goes through elementwise operations and the stack of outputs: each
        // component reads the outputs its own expression reads.
        let Some(components) = self.vector_components(eq, rhs, ctx, len) else {
            return;
        };
        for (j, c) in components.into_iter().enumerate() {
            let k = first + j;
            if let Some((_, prev, _)) = s.ansatz.get(&k) {
                let what = self.exact_kind("ansatz", k);
                self.duplicate(item.keyword, *prev, &what);
                continue;
            }
            let others: Vec<usize> = self
                .g
                .unknowns_in(c)
                .into_iter()
                .filter(|o| *o != k)
                .collect();
            if let Some(o) = others.first() {
                let (name, other) = (
                    self.unknowns[k].name.clone(),
                    self.unknowns[*o].name.clone(),
                );
                self.diags.push(
                    Diag::error(
                        "pdec::check::ansatz_other_component",
                        format!("the ansatz of `{name}` reads the network's output for `{other}`"),
                    )
                    .primary(rhs.span, format!("component {} reads `{other}`'s output", j + 1))
                    .help(format!(
                        "each component is made from its own output: `net[{}]` in component {} (an elementwise `g + h * net` does that)",
                        j + 1,
                        j + 1
                    )),
                );
                return;
            }
            if !self.ansatz_reads_network(c, rhs.span) {
                return;
            }
            s.ansatz.insert(k, (c, item.keyword, item.span));
        }
    }

    /// Unknown `k` is a coefficient function, whose range is its ansatz: an error, and true.
    fn coefficient_function_ansatz(&mut self, k: usize, item: &Item) -> bool {
        if !self.is_coefficient_function(k) {
            return false;
        }
        let u = self.unknowns[k].name.clone();
        self.diags.push(
            Diag::error(
                "pdec::check::coefficient_function_ansatz",
                format!("the unknown coefficient `{u}` takes no `ansatz`"),
            )
            .primary(item.span, "an ansatz for a coefficient function")
            .secondary(self.unknowns[k].span, "declared with `unknown coef`")
            .help(format!(
                "its range is its ansatz (a sigmoid of the network's output); remove this, or declare `{u}` a plain unknown with `unknown {u}(...)`"
            )),
        );
        true
    }

    /// The ansatz `v` (at `span`) uses `net` and no derivative of the unknown; else an
    /// error, and false.
    fn ansatz_reads_network(&mut self, v: ir::NodeId, span: crate::source::Span) -> bool {
        // `d(u, x)` names the unknown without reading it as a value.
        if self.g.any(v, &mut |op| {
            matches!(op, ir::Op::Deriv(..) | ir::Op::NormalDeriv(_))
        }) {
            self.diags.push(
                Diag::error(
                    "pdec::check::ansatz_depends_on_unknown",
                    "the ansatz cannot use derivatives of the unknown",
                )
                .primary(span, "derivatives of the unknown are used here")
                .help("the ansatz defines the unknown from `net` and the inputs; derivatives of both are taken for you"),
            );
            return false;
        }
        if !self.g.depends_on_unknown(v) {
            self.diags.push(
                Diag::error(
                    "pdec::check::ansatz_without_net",
                    "the ansatz does not use the network's output `net`",
                )
                .primary(span, "nothing left to train")
                .help("write it as `g + h * net`: `g` meets the conditions, `h` vanishes where they are given (e.g. `t * x * (1 - x)`)"),
            );
            return false;
        }
        true
    }

    /// `exact U = [a, b]`: a vector of the unknown's length, one `exact` per component.
    fn vector_exact(
        &mut self,
        item: &Item,
        eq: &Equation,
        first: usize,
        len: usize,
        s: &mut Found,
    ) {
        let Some(rhs) = &eq.rhs else { return };
        let Some(components) = self.vector_components(eq, rhs, Ctx::EXACT, len) else {
            return;
        };
        for (j, c) in components.into_iter().enumerate() {
            let k = first + j;
            if let Some((_, prev, _)) = s.exact.get(&k) {
                let what = self.exact_kind("exact", k);
                self.duplicate(item.keyword, *prev, &what);
                continue;
            }
            if self.scalar_expr(c, rhs.span, "the exact solution") {
                s.exact.insert(k, (c, item.keyword, item.span));
            }
        }
    }

    /// The right side of `exact U = ...` or `ansatz U = ...` (`eq`), lowered in `ctx`, as its
    /// `len` components; `None` (reported) unless it is a vector of that length.
    fn vector_components(
        &mut self,
        eq: &Equation,
        rhs: &crate::syntax::ast::Expr,
        ctx: Ctx,
        len: usize,
    ) -> Option<Vec<ir::NodeId>> {
        let v = self.lower(rhs, &Env::default(), ctx)?;
        let shape = self.g.ty(v).shape;
        if shape != ir::Shape::Vector(len) {
            self.vector_equation_shape(eq, ir::Shape::Vector(len), shape);
            return None;
        }
        (0..len)
            .map(|j| {
                let c = self.g.index(v, &[ir::Sel::Fixed(j)], rhs.span);
                self.t(c, rhs.span)
            })
            .collect()
    }

    /// `exact` or `exact v` (with several unknowns, one statement per unknown), for a
    /// duplicate's message.
    fn exact_kind(&self, kw: &str, k: usize) -> String {
        match self.unknowns.len() {
            0 | 1 => kw.to_string(),
            _ => format!("{kw} {}", self.unknowns[k].name),
        }
    }

    /// `reference "path"`: a relative path that stays inside the problem's folder.
    pub(super) fn reference_statement(
        &mut self,
        item: &Item,
        path: &str,
        span: &crate::source::Span,
        s: &mut Found,
    ) {
        if let Some((_, prev)) = &s.reference {
            self.duplicate(item.keyword, *prev, "reference");
            return;
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
            return;
        }
        s.reference = Some((path.to_string(), item.keyword));
    }
}

/// Why a reference path would reach outside the problem's folder, if it does.
pub(super) fn reference_problem(path: &str) -> Option<&'static str> {
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
