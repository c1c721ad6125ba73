//! Domains of inputs: an interval `[a, b]` (time, params, a scalar space variable), and for
//! space also a box `[a, b]^d` or a product `[0, 1] * [0, 2]`, and `ball(d, center, radius)`.
//! Bounds, dimensions, centers and radii are compile-time constants.

use super::Checker;
use super::expr::Env;
use crate::builtins::Builtin;
use crate::diag::Diag;
use crate::ir::Domain;
use crate::resolve::Res;
use crate::syntax::ast::{Arg, BinaryOp, Expr, ExprKind, Ident};
use crate::syntax::print::format_number;

/// What a domain is declared for: only space takes boxes, products and balls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DomainUse {
    Param,
    Coefficient,
    Time,
    Space,
}

impl Checker<'_> {
    /// "this is not a domain", with the forms this declaration takes.
    fn bad_domain(&mut self, e: &Expr, usage: DomainUse) {
        let help = match usage {
            DomainUse::Param => "a parameter ranges over an interval: `param nu in [0.01, 0.1]`",
            DomainUse::Coefficient => {
                "an unknown coefficient ranges over an interval: `unknown const k in [0.01, 10]`"
            }
            DomainUse::Time => "time ranges over an interval: `time t in [0, 1]`",
            DomainUse::Space => {
                "write an interval `[0, 1]`, a box `[0, 1]^d` or `[0, 1] * [0, 2]`, or `ball(d, center = 0, radius = 1)`"
            }
        };
        self.diags.push(
            Diag::error("pdec::check::bad_domain", "this is not a domain")
                .primary(e.span, "expected a domain")
                .help(help),
        );
    }

    /// A dimension: a whole-number constant between 1 and 100000.
    fn dimension(&mut self, e: &Expr, help: &str) -> Option<i64> {
        let n = self.const_int(e, &Env::default(), "a dimension")?;
        if !(1..=100_000).contains(&n) {
            self.diags.push(
                Diag::error(
                    "pdec::check::bad_dimension",
                    format!("dimension {n} is out of range"),
                )
                .primary(e.span, "must be between 1 and 100000")
                .help(help.to_string()),
            );
            return None;
        }
        Some(n)
    }

    /// The domain `e` declares for a `usage` input.
    pub fn domain(&mut self, e: &Expr, usage: DomainUse) -> Option<Domain> {
        match &e.kind {
            ExprKind::List(items) if items.len() == 2 => self.interval(e, items),
            ExprKind::Binary {
                op: BinaryOp::Pow,
                lhs,
                rhs,
                ..
            } if usage == DomainUse::Space => {
                let base = self.domain(lhs, usage)?;
                let n = self.dimension(
                    rhs,
                    "the dimension is the number of components, e.g. `[0, 1]^3`",
                )?;
                let Domain::Interval { lo, hi } = base else {
                    self.bad_domain(lhs, usage);
                    return None;
                };
                Some(Domain::Box {
                    lo: vec![lo; n as usize],
                    hi: vec![hi; n as usize],
                })
            }
            ExprKind::Binary {
                op: BinaryOp::Mul,
                lhs,
                rhs,
                ..
            } if usage == DomainUse::Space => {
                let a = self.domain(lhs, usage);
                let b = self.domain(rhs, usage);
                let (a, b) = (a?, b?);
                let parts =
                    |d: Domain, this: &mut Self, e: &Expr| -> Option<(Vec<f64>, Vec<f64>)> {
                        match d {
                            Domain::Interval { lo, hi } => Some((vec![lo], vec![hi])),
                            Domain::Box { lo, hi } => Some((lo, hi)),
                            Domain::Ball { .. } | Domain::Csg(_) => {
                                this.bad_domain(e, usage);
                                None
                            }
                        }
                    };
                let (mut lo, mut hi) = parts(a, self, lhs)?;
                let (lo2, hi2) = parts(b, self, rhs)?;
                lo.extend(lo2);
                hi.extend(hi2);
                Some(Domain::Box { lo, hi })
            }
            ExprKind::Call { callee, args } if usage == DomainUse::Space => {
                self.ball(e, callee, args, usage)
            }
            _ => {
                self.bad_domain(e, usage);
                None
            }
        }
    }

    /// `[lo, hi]`: constant bounds, `lo < hi`.
    fn interval(&mut self, e: &Expr, items: &[Expr]) -> Option<Domain> {
        let env = Env::default();
        let lo = self.const_scalar(&items[0], &env, "a domain bound");
        let hi = self.const_scalar(&items[1], &env, "a domain bound");
        let (lo, hi) = (lo?, hi?);
        if lo >= hi {
            self.diags.push(
                Diag::error(
                    "pdec::check::empty_interval",
                    format!(
                        "the interval [{}, {}] is empty",
                        format_number(lo),
                        format_number(hi)
                    ),
                )
                .primary(e.span, "lower bound not below upper bound")
                .help(if lo == hi {
                    "a fixed value is a `const`, not a `param`".to_string()
                } else {
                    format!(
                        "write it as `[{}, {}]`",
                        format_number(hi),
                        format_number(lo)
                    )
                }),
            );
            return None;
        }
        Some(Domain::Interval { lo, hi })
    }

    /// `ball(d, center = c, radius = r)`: by position or name; the center a number or one per
    /// component (default 0), the radius positive (default 1).
    fn ball(&mut self, e: &Expr, callee: &Ident, args: &[Arg], usage: DomainUse) -> Option<Domain> {
        let env = Env::default();
        let is_ball = matches!(
            self.res.get(0, callee.id),
            Some(Res::Builtin(Builtin::Ball))
        );
        if !is_ball {
            self.bad_domain(e, usage);
            return None;
        }
        let mut dim = None;
        let mut center = None;
        let mut radius = None;
        for (i, a) in args.iter().enumerate() {
            match (a.name.as_ref().map(|n| n.text.as_str()), i) {
                (None, 0) | (Some("dim"), _) => dim = Some(&a.value),
                (Some("center"), _) | (None, 1) => center = Some(&a.value),
                (Some("radius"), _) | (None, 2) => radius = Some(&a.value),
                _ => {
                    self.diags.push(
                        Diag::error(
                            "pdec::check::named_argument",
                            "`ball` takes a dimension, `center` and `radius`",
                        )
                        .primary(a.value.span, "unexpected argument")
                        .help("write `ball(d, center = 0, radius = 1)`"),
                    );
                    return None;
                }
            }
        }
        // A list center gives the dimension: `ball(center = [0.3, 0], radius = 0.2)`.
        let listed = match center.map(|c| &c.kind) {
            Some(ExprKind::List(items)) if dim.is_none() => Some(items.len() as i64),
            _ => None,
        };
        let n = match (dim, listed) {
            (_, Some(n)) => n,
            (Some(dim), None) => self.dimension(
                dim,
                "the first argument of `ball` is the number of components",
            )?,
            (None, None) => {
                self.diags.push(
                    Diag::error("pdec::check::arity", "`ball` needs its dimension")
                        .primary(e.span, "no dimension")
                        .help("write `ball(d, center = 0, radius = 1)`, or give the center as a list: `ball(center = [0, 0], radius = 1)`"),
                );
                return None;
            }
        };
        let r = match radius {
            Some(r) => self.const_scalar(r, &env, "a radius")?,
            None => 1.0,
        };
        if r <= 0.0 {
            self.diags.push(
                Diag::error(
                    "pdec::check::bad_radius",
                    format!("radius {} is not positive", format_number(r)),
                )
                .primary(radius.map(|r| r.span).unwrap_or(e.span), "must be > 0")
                .help("a ball needs a positive radius"),
            );
            return None;
        }
        let c = match center {
            None => vec![0.0; n as usize],
            Some(c) => {
                match &c.kind {
                    ExprKind::List(items) => {
                        if items.len() != n as usize {
                            self.diags.push(
                            Diag::error(
                                "pdec::check::shape_mismatch",
                                format!("the center has {} components, the ball {n}", items.len()),
                            )
                            .primary(c.span, "wrong length")
                            .help("give one number (used for every component) or one per component"),
                        );
                            return None;
                        }
                        let mut v = Vec::new();
                        for it in items {
                            v.push(self.const_scalar(it, &env, "a center component")?);
                        }
                        v
                    }
                    _ => vec![self.const_scalar(c, &env, "the center")?; n as usize],
                }
            }
        };
        Some(Domain::Ball {
            center: c,
            radius: r,
        })
    }
}
