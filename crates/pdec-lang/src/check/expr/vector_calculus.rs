//! Vector calculus on the unknown: `grad`, `hess` and `lap` (of the unknown, along one
//! space variable or, for `lap(u)`, summed over all of them), `div` of an expression of the
//! unknown (differentiated symbolically, `ir::diff`), and `dn`, the outward normal
//! derivative, only in boundary conditions.

use super::{Ctx, Env};
use crate::builtins::{self, Builtin};
use crate::check::{Checker, UnknownRef};
use crate::diag::Diag;
use crate::ir::diff::{self, DiffError};
use crate::ir::{BinOp, Comp, Coord, Input, NodeId, Op, RedOp, Sel, Shape, Ty, TypeError};
use crate::source::Span;
use crate::syntax::ast::{Arg, Ident};

impl Checker<'_> {
    /// `grad(u)`, `hess(u)`, `lap(u)`, each optionally along a named space variable.
    pub(super) fn lower_grad_hess_lap(
        &mut self,
        b: Builtin,
        callee: &Ident,
        args: &[Arg],
        span: Span,
        env: &Env,
    ) -> Option<NodeId> {
        let info = builtins::info(b);
        let n = args.len();
        if n == 0 || n > 2 {
            self.arity(span, &callee.text, info.signature, n);
            return None;
        }
        let unknown = self.expect_unknown(args, &callee.text, env)?;
        // `lap(u)` with several space variables sums over all of them.
        let vars: Vec<usize> = if b == Builtin::Lap && n == 1 {
            // Over the unknown's own space variables (`lap(p)` of `p(x)` beside `u(t, x, y)`).
            let own = self.unknowns[unknown.numbers().start].args.clone();
            let v: Vec<usize> = own
                .iter()
                .filter_map(|i| match i {
                    Input::Space(k) => Some(*k),
                    _ => None,
                })
                .collect();
            if v.is_empty() {
                self.operator_var(args, "lap", span, env)?;
            }
            if v.iter().any(|k| self.failed.contains(&Input::Space(*k))) {
                return None;
            }
            v
        } else {
            vec![self.operator_var(args, &callee.text, span, env)?]
        };
        match unknown {
            UnknownRef::Scalar(k) => self.grad_hess_lap_of(b, k, &vars, span),
            // `lap(U)` componentwise; `grad(U)` along a vector variable is the Jacobian, the
            // matrix whose row `i` is `grad(U[i])`; `hess(U)` would have three indices.
            UnknownRef::Vector { first, .. } => {
                if b == Builtin::Hess {
                    self.vector_unknown_operator(&callee.text, first, span);
                    return None;
                }
                let mut items = Vec::new();
                for k in unknown.numbers() {
                    items.push(self.grad_hess_lap_of(b, k, &vars, span)?);
                }
                let r = self.g.stack(&items, span);
                self.t(r, span)
            }
        }
    }

    /// `grad`, `hess` or `lap` of unknown `k` along `vars` (summed over them).
    fn grad_hess_lap_of(
        &mut self,
        b: Builtin,
        unknown: usize,
        vars: &[usize],
        span: Span,
    ) -> Option<NodeId> {
        let mut total: Option<NodeId> = None;
        for &var in vars {
            let dim = self.space[var].domain.dim();
            let node = match (b, dim) {
                (Builtin::Grad, None) => self.g.deriv(
                    unknown,
                    vec![Coord::Space {
                        var,
                        comp: Comp::Scalar,
                    }],
                    &[],
                    span,
                ),
                (Builtin::Grad, Some(d)) => self.g.deriv(
                    unknown,
                    vec![Coord::Space {
                        var,
                        comp: Comp::Whole,
                    }],
                    &[d],
                    span,
                ),
                (Builtin::Hess, Some(d)) => self.g.deriv(
                    unknown,
                    vec![
                        Coord::Space {
                            var,
                            comp: Comp::Whole
                        };
                        2
                    ],
                    &[d, d],
                    span,
                ),
                // A scalar variable: the Hessian and the Laplacian are d(u, x, x).
                (_, None) => self.g.deriv(
                    unknown,
                    vec![
                        Coord::Space {
                            var,
                            comp: Comp::Scalar
                        };
                        2
                    ],
                    &[],
                    span,
                ),
                (_, Some(d)) => {
                    // lap(u) = sum(k in 1..d) d(u, x[k], x[k]), kept vectorised.
                    let a = self.g.new_axis("k", 1, d as i64);
                    let c = Coord::Space {
                        var,
                        comp: Comp::Axis(a, 0),
                    };
                    let h = self.g.deriv(unknown, vec![c, c], &[], span);
                    let r = self.g.reduce(RedOp::Sum, &[a], h, span);
                    self.t(r, span)?
                }
            };
            total = Some(match total {
                None => node,
                Some(t) => {
                    let r = self.g.binary(BinOp::Add, t, node, span);
                    self.t(r, span)?
                }
            });
        }
        total
    }

    /// `div(field)` or `div(field, x)`: the divergence of a vector field (or, for a scalar
    /// variable, the derivative of a scalar).
    pub(super) fn lower_div(
        &mut self,
        args: &[Arg],
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        let info = builtins::info(Builtin::Div);
        let n = args.len();
        if n == 0 || n > 2 {
            self.arity(span, "div", info.signature, n);
            return None;
        }
        let field = self.lower(&args[0].value, env, ctx)?;
        let var = self.operator_var(args, "div", span, env)?;
        let dim = self.space[var].domain.dim();
        let shape = self.g.ty(field).shape;
        let result = match dim {
            None => {
                if shape != Shape::Scalar {
                    self.type_error(
                        TypeError::ShapeMismatch(shape, Shape::Scalar),
                        args[0].value.span,
                        "",
                    );
                    return None;
                }
                diff::diff(&mut self.g, field, var, Comp::Scalar, span)
            }
            // A matrix field (the Jacobian `grad(U)`, `nu * grad(U)`) row by row: the
            // vector of its rows' divergences (`div(grad(U))` is `lap(U)`).
            Some(d) if matches!(shape, Shape::Matrix(_, m) if m == d) => {
                let mut rows = Vec::new();
                for i in 0..shape.dims()[0] {
                    let row = self.g.index(field, &[Sel::Fixed(i)], span);
                    let row = self.t(row, span)?;
                    rows.push(self.divergence(row, var, d, span, args[0].value.span)?);
                }
                let r = self.g.stack(&rows, span);
                return self.t(r, span);
            }
            Some(d) => {
                if shape != Shape::Vector(d) {
                    self.diags.push(
                        Diag::error(
                            "pdec::check::shape_mismatch",
                            format!(
                                "`div` needs a vector field of length {d}, found {}",
                                shape.describe()
                            ),
                        )
                        .primary(args[0].value.span, "not a vector field")
                        .help("e.g. `div(a * grad(u))`, or `div(nu * grad(U))` of a vector unknown `U`"),
                    );
                    return None;
                }
                return self.divergence(field, var, d, span, args[0].value.span);
            }
        };
        self.derivative_result(result, span, args[0].value.span, "divergence", "div")
    }

    /// The divergence of `field`, a vector of length `d` (the dimension of `var`).
    fn divergence(
        &mut self,
        field: NodeId,
        var: usize,
        d: usize,
        span: Span,
        arg_span: Span,
    ) -> Option<NodeId> {
        // A field of several unknowns (a vector unknown's components): unrolled, so no
        // index variable meets a vector of unknowns.
        if self.g.unknowns_in(field).len() > 1 {
            return self.divergence_unrolled(field, var, d, span, arg_span);
        }
        let a = self.g.new_axis("k", 1, d as i64);
        let comp = Comp::Axis(a, 0);
        let fk = self.g.index(field, &[Sel::Axis(a, 0)], span);
        let fk = self.t(fk, span)?;
        let result = diff::diff(&mut self.g, fk, var, comp, span).and_then(|dk| {
            self.g
                .reduce(RedOp::Sum, &[a], dk, span)
                .map_err(DiffError::from)
        });
        self.derivative_result(result, span, arg_span, "divergence", "div")
    }

    /// `dn(u)`: the outward normal derivative, on a boundary only.
    pub(super) fn lower_dn(
        &mut self,
        args: &[Arg],
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        let info = builtins::info(Builtin::Dn);
        let n = args.len();
        if n != 1 {
            self.arity(span, "dn", info.signature, n);
            return None;
        }
        let unknown = self.expect_unknown(args, "dn", env)?;
        if !ctx.normal {
            self.diags.push(
                Diag::error(
                    "pdec::check::normal_outside_boundary",
                    "`dn(u)` is only defined on a boundary",
                )
                .primary(span, "no outward normal here")
                .help("use it in a boundary condition: `boundary on(x): dn(u) = 0`"),
            );
            return None;
        }
        // `dn(U)`: the vector of its components' normal derivatives.
        let items: Vec<NodeId> = unknown
            .numbers()
            .map(|k| {
                self.dn_calls.push((k, span));
                self.g.add(Op::NormalDeriv(k), Ty::scalar(), span)
            })
            .collect();
        match unknown {
            UnknownRef::Scalar(_) => Some(items[0]),
            UnknownRef::Vector { .. } => {
                let r = self.g.stack(&items, span);
                self.t(r, span)
            }
        }
    }
}
