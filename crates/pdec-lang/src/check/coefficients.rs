//! `unknown const k in [lo, hi] init v log`: scalar coefficients identified from data. The
//! range is an interval of constants, the initial value a constant strictly inside it (by
//! default the middle, the geometric middle under `log`), and `log` asks for a range above
//! zero. Uses lower to `Op::Coef(k)` (`expr/names.rs`), allowed where the unknown is.
//! `unknown const k[3] ...` declares that many scalars, `k[1]` .. `k[3]`, each its own
//! `Op::Coef` with the one range (the initial value one number, or a vector of one per
//! component); `k` alone is their vector, as a vector unknown's name is.
//! `unknown coef k(x) in [lo, hi] ...`, a coefficient function, takes the same range rules; it
//! is an unknown (a network output) whose value is made inside its range by an ansatz.

use super::Checker;
use super::domain::DomainUse;
use super::expr::{Ctx, Env};
use super::vector_unknowns::MAX_COMPONENTS;
use crate::diag::Diag;
use crate::ir::{BinOp, Coefficient, Domain, NodeId, Op, Shape, Ty, UnOp};
use crate::resolve::ItemRef;
use crate::source::Span;
use crate::syntax::ast::{Expr, Ident, ItemKind};
use crate::syntax::print::format_number;

/// Where an `unknown const` item's coefficients sit in `coefficients`.
#[derive(Clone, Copy, Debug)]
pub(super) struct CoefItem {
    pub first: usize,
    /// `Some(n)` for a vector `k[n]` (even of one component: `k` is then a vector).
    pub components: Option<usize>,
}

impl Checker<'_> {
    /// Every `unknown const` of the user's file, checked and numbered in source order (a
    /// vector's components one after the other).
    pub(super) fn coefficient_declarations(&mut self) {
        let program = self.program;
        for (i, item) in program.user().ast.items.iter().enumerate() {
            let ItemKind::Coefficient {
                name,
                components,
                range,
                init,
                log,
            } = &item.kind
            else {
                continue;
            };
            let count = match components {
                None => None,
                Some(n) => match self.coefficient_count(name, n) {
                    Some(c) => Some(c),
                    None => continue,
                },
            };
            let inits = match (init, count) {
                (Some(e), Some(n)) => match self.coefficient_inits(name, e, n) {
                    Some(v) => v.into_iter().map(Some).collect(),
                    None => continue,
                },
                (_, n) => vec![None; n.unwrap_or(1)],
            };
            let first = self.coefficients.len();
            let mut ok = true;
            for (j, v) in inits.iter().enumerate() {
                let init = match (v, init) {
                    (Some(v), Some(e)) => Some(Init::Value(*v, e.span)),
                    (None, Some(e)) => Some(Init::Expr(e)),
                    _ => None,
                };
                let Some(mut c) = self.coefficient_range(name, range, init, *log) else {
                    ok = false;
                    break;
                };
                if count.is_some() {
                    c.name = format!("{}[{}]", name.text, j + 1);
                }
                self.coefficients.push(c);
            }
            if !ok {
                self.coefficients.truncate(first);
                continue;
            }
            self.coef_items.insert(
                ItemRef { module: 0, item: i },
                CoefItem {
                    first,
                    components: count,
                },
            );
        }
    }

    /// The value of an `unknown const`'s name: its `Op::Coef`, or the vector of them.
    pub(super) fn coefficient_value(&mut self, c: CoefItem, span: Span) -> Option<NodeId> {
        match c.components {
            None => Some(self.g.add(Op::Coef(c.first), Ty::scalar(), span)),
            Some(n) => {
                let items: Vec<NodeId> = (c.first..c.first + n)
                    .map(|k| self.g.add(Op::Coef(k), Ty::scalar(), span))
                    .collect();
                let r = self.g.stack(&items, span);
                self.t(r, span)
            }
        }
    }

    /// The number of components of `unknown const k[n]`: a whole constant in
    /// `1..=MAX_COMPONENTS`.
    fn coefficient_count(&mut self, name: &Ident, n: &Expr) -> Option<usize> {
        let c = self.const_int(n, &Env::default(), "the number of components")?;
        if (1..=MAX_COMPONENTS).contains(&c) {
            return Some(c as usize);
        }
        self.diags.push(
            Diag::error(
                "pdec::check::bad_component_count",
                format!("a vector of coefficients has 1 to {MAX_COMPONENTS} components, not {c}"),
            )
            .primary(n.span, "number of components")
            .help(format!(
                "declare how many, e.g. `unknown const {}[2] in [0, 1]`; a scalar coefficient has no `[...]`",
                name.text
            )),
        );
        None
    }

    /// The initial values of a vector of `n` coefficients: one number for all, or a vector of
    /// `n` (checked against the range one by one later).
    fn coefficient_inits(&mut self, name: &Ident, e: &Expr, n: usize) -> Option<Vec<f64>> {
        let what = "an initial value";
        let node = self.lower(e, &Env::default(), Ctx { what, ..Ctx::CONST })?;
        let ty = self.g.ty(node).clone();
        let values = crate::ir::eval::leaf(&self.g, node).map(|d| d.data.to_vec());
        match (ty.shape, values) {
            (Shape::Scalar, Some(v)) if v.len() == 1 => Some(vec![v[0]; n]),
            (Shape::Vector(m), Some(v)) if m == n && ty.axes.is_empty() && v.len() == n => Some(v),
            (shape, _) => {
                self.diags.push(
                    Diag::error(
                        "pdec::check::coefficient_init_shape",
                        format!(
                            "`{}` has {n} components but its initial value is {}",
                            name.text,
                            shape.describe()
                        ),
                    )
                    .primary(e.span, format!("not one number nor a vector of {n}"))
                    .help(format!(
                        "give one number for every component (`init 0.5`) or one per component (`init [{}]`)",
                        vec!["0.5"; n.min(4)].join(", ")
                    )),
                );
                None
            }
        }
    }

    /// Every `unknown coef k(x) in [lo, hi]`: its range checked as an `unknown const`'s,
    /// kept by the unknown's number.
    pub(super) fn coefficient_functions(&mut self) {
        let program = self.program;
        for k in 0..self.unknowns.len() {
            let ItemKind::Unknown {
                name,
                coef: Some(c),
                ..
            } = &program.item(self.unknowns[k].item).kind
            else {
                continue;
            };
            let init = c.init.as_ref().map(Init::Expr);
            if let Some(r) = self.coefficient_range(name, &c.range, init, c.log) {
                self.coef_fns.insert(k, r);
            }
        }
    }

    /// Is unknown `k` a coefficient function (`unknown coef`), range checked or not?
    pub(super) fn is_coefficient_function(&self, k: usize) -> bool {
        self.unknowns.get(k).is_some_and(|u| {
            matches!(
                self.program.item(u.item).kind,
                ItemKind::Unknown { coef: Some(_), .. }
            )
        })
    }

    /// The value of coefficient function `k` made from its network output `net`:
    /// `lo + (hi - lo) * sigmoid(net + b)` (of `ln lo`, `ln hi`, then `exp`, under `log`),
    /// `b` the offset that starts it at its initial value. Its ansatz: the range holds for any
    /// network, and its derivatives come by the chain rule like any ansatz's.
    pub(super) fn coefficient_function_value(&mut self, k: usize) -> Option<NodeId> {
        let c = self.coef_fns.get(&k)?.clone();
        let span = c.span;
        let g = &mut self.g;
        let net = g.add(Op::U(k), Ty::scalar(), span);
        let (a, b) = match c.log {
            true => (c.lo.ln(), c.hi.ln()),
            false => (c.lo, c.hi),
        };
        // The middle of the range is `theta0 = 0` up to rounding: no offset printed then.
        let theta0 = c.theta0();
        let offset = g.constant(if theta0.abs() < 1e-12 { 0.0 } else { theta0 }, span);
        let z = g.binary(BinOp::Add, net, offset, span).ok()?;
        let minus_z = g.unary(UnOp::Neg, z, span).ok()?;
        let e = g.unary(UnOp::Exp, minus_z, span).ok()?;
        let one = g.constant(1.0, span);
        let denom = g.binary(BinOp::Add, one, e, span).ok()?;
        let width = g.constant(b - a, span);
        let share = g.binary(BinOp::Div, width, denom, span).ok()?;
        let lo = g.constant(a, span);
        let v = g.binary(BinOp::Add, lo, share, span).ok()?;
        match c.log {
            true => g.unary(UnOp::Exp, v, span).ok(),
            false => Some(v),
        }
    }

    /// A range `[lo, hi]` of constants, `log` above zero, the initial value strictly inside
    /// (by default the middle, the geometric middle under `log`).
    fn coefficient_range(
        &mut self,
        name: &Ident,
        range: &Expr,
        init: Option<Init>,
        log: bool,
    ) -> Option<Coefficient> {
        let Some(Domain::Interval { lo, hi }) = self.domain(range, DomainUse::Coefficient) else {
            return None;
        };
        if log && lo <= 0.0 {
            self.diags.push(
                Diag::error(
                    "pdec::check::coefficient_log_range",
                    format!(
                        "`{}` is trained on a log scale but its range starts at {}",
                        name.text,
                        format_number(lo)
                    ),
                )
                .primary(range.span, "a log scale needs a range above zero")
                .help("give a positive lower bound, e.g. `[0.001, 10]`, or drop `log`"),
            );
            return None;
        }
        let middle = match log {
            true => (lo * hi).sqrt(),
            false => 0.5 * (lo + hi),
        };
        let value = match init {
            Some(init) => {
                let (v, span) = match init {
                    Init::Value(v, span) => (v, span),
                    Init::Expr(e) => (
                        self.const_scalar(e, &Env::default(), "an initial value")?,
                        e.span,
                    ),
                };
                if !(lo < v && v < hi) {
                    self.diags.push(
                        Diag::error(
                            "pdec::check::coefficient_init_outside",
                            format!(
                                "the initial value {} of `{}` is not inside its range [{}, {}]",
                                format_number(v),
                                name.text,
                                format_number(lo),
                                format_number(hi)
                            ),
                        )
                        .primary(span, "outside the range")
                        .help(format!(
                            "the value always stays strictly inside the range; start inside it, e.g. `init {}`",
                            format_number(middle)
                        )),
                    );
                    return None;
                }
                v
            }
            None => middle,
        };
        Some(Coefficient {
            name: name.text.clone(),
            lo,
            hi,
            init: value,
            log,
            span: name.span,
        })
    }
}

/// A coefficient's initial value: its expression, or a vector's component already evaluated.
#[derive(Clone, Copy)]
enum Init<'e> {
    Expr(&'e Expr),
    Value(f64, Span),
}

#[cfg(test)]
mod tests {
    use crate::ir::Op;
    use crate::ir::eval::{Dense, Layout, eval_at};
    use crate::source::SourceFile;
    use std::borrow::Cow;

    /// Coefficient function `k`'s value (its ansatz) for network output `net`.
    fn values(decl: &str, nets: &[f64]) -> Vec<f64> {
        let src = format!(
            "space x in [0, 1]\nunknown u(x)\n{decl}\npde -d(u, x, x) + k * u = 1\n\
             boundary on(x): u = 0\nobserve u from \"obs.csv\"\n"
        );
        let c = crate::driver::compile_without_data(
            SourceFile {
                name: "t.pde".into(),
                text: src,
            },
            &[],
        );
        assert!(!c.diags.has_errors(), "{:#?}", c.diags);
        let p = c.checked.expect("checked").problem;
        let k = &p.unknowns[1];
        assert!(k.coefficient.is_some());
        let a = k.ansatz.as_ref().expect("the range's ansatz");
        assert!(a.chosen.is_some() && !a.rescale);
        nets.iter()
            .map(|net| {
                let at = |op: &Op, ty: &crate::ir::Ty| {
                    let v = match op {
                        Op::U(1) => *net,
                        Op::Input(_) => 0.5,
                        _ => return None,
                    };
                    Some(Dense {
                        layout: Layout::of(&p.graph, ty),
                        data: Cow::Owned(vec![v]),
                    })
                };
                eval_at(&p.graph, a.node, &at).expect("a value").data[0]
            })
            .collect()
    }

    #[test]
    fn a_coefficient_function_starts_at_its_initial_value_and_never_leaves_its_range() {
        let nets = [-60.0, -3.0, 0.0, 3.0, 60.0];
        for (decl, lo, hi, init) in [
            ("unknown coef k(x) in [0.1, 2]", 0.1, 2.0, 1.05),
            ("unknown coef k(x) in [0.1, 2] init 0.5", 0.1, 2.0, 0.5),
            ("unknown coef k(x) in [0.01, 100] log", 0.01, 100.0, 1.0),
        ] {
            let v = values(decl, &nets);
            assert!((v[2] - init).abs() < 1e-9, "{decl}: {v:?}");
            // Inside up to rounding (`exp(ln hi)` may round a few ulps above `hi`).
            let inside = |v: &f64| lo * (1.0 - 1e-12) <= *v && *v <= hi * (1.0 + 1e-12);
            assert!(v.iter().all(inside), "{decl}: {v:?}");
            assert!(v.windows(2).all(|w| w[0] <= w[1]), "{v:?}");
            assert!(
                v[0] - lo < 1e-6 * hi && hi - v[4] < 1e-6 * hi,
                "{decl}: {v:?}"
            );
        }
    }
}
