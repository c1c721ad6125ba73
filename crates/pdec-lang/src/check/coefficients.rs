//! `unknown const k in [lo, hi] init v log`: scalar coefficients identified from data. The
//! range is an interval of constants, the initial value a constant strictly inside it (by
//! default the middle, the geometric middle under `log`), and `log` asks for a range above
//! zero. Uses lower to `Op::Coef(k)` (`expr/names.rs`), allowed where the unknown is.
//! `unknown coef k(x) in [lo, hi] ...`, a coefficient function, takes the same range rules; it
//! is an unknown (a network output) whose value is made inside its range by an ansatz.

use super::Checker;
use super::domain::DomainUse;
use super::expr::Env;
use crate::diag::Diag;
use crate::ir::{BinOp, Coefficient, Domain, NodeId, Op, Ty, UnOp};
use crate::resolve::ItemRef;
use crate::syntax::ast::{Expr, Ident, ItemKind};
use crate::syntax::print::format_number;

impl Checker<'_> {
    /// Every `unknown const` of the user's file, checked and numbered in source order.
    pub(super) fn coefficient_declarations(&mut self) {
        let program = self.program;
        for (i, item) in program.user().ast.items.iter().enumerate() {
            let ItemKind::Coefficient {
                name,
                range,
                init,
                log,
            } = &item.kind
            else {
                continue;
            };
            let Some(c) = self.coefficient_range(name, range, init.as_ref(), *log) else {
                continue;
            };
            self.coef_items
                .insert(ItemRef { module: 0, item: i }, self.coefficients.len());
            self.coefficients.push(c);
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
            if let Some(r) = self.coefficient_range(name, &c.range, c.init.as_ref(), c.log) {
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
        init: Option<&Expr>,
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
            Some(e) => {
                let v = self.const_scalar(e, &Env::default(), "an initial value")?;
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
                        .primary(e.span, "outside the range")
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
