//! Vector calculus on vector fields built from the unknowns (a vector unknown `U`, or any
//! vector expression of the unknowns): `curl(F)` (a scalar in 2-D, a vector in 3-D),
//! `convect(a, F)` (the convective derivative `(a . grad) F` of a scalar or vector `F`) and
//! the divergence of a field of several unknowns. Each is differentiated symbolically
//! (`ir::diff`) and unrolled over the components with fixed indices, so a component of
//! the result holds only its own unknowns' derivatives: a vector equation's components are
//! then matched to unknowns one by one.

use super::{Ctx, Env};
use crate::builtins::{self, Builtin};
use crate::check::Checker;
use crate::diag::Diag;
use crate::ir::diff::{self, DiffError};
use crate::ir::{BinOp, Comp, NodeId, Sel, Shape};
use crate::source::Span;
use crate::syntax::ast::Arg;

/// `d F[i] / d x[j]` as `(i, j)`, 0-based.
type Partial = (usize, usize);

impl Checker<'_> {
    /// `sum(k) d(F[k]) / d(x[k])`, one fixed component at a time.
    pub(super) fn divergence_unrolled(
        &mut self,
        field: NodeId,
        var: usize,
        d: usize,
        span: Span,
        arg_span: Span,
    ) -> Option<NodeId> {
        let mut terms = Vec::new();
        for k in 0..d {
            terms.push(self.partial(field, Some(k), var, Comp::Fixed(k), span));
        }
        let total = terms.into_iter().try_fold(None, |acc: Option<NodeId>, t| {
            let t = t?;
            Ok::<_, DiffError>(Some(match acc {
                None => t,
                Some(a) => self.g.binary(BinOp::Add, a, t, span)?,
            }))
        });
        let total = total.and_then(|t| t.ok_or(DiffError::NotDifferentiable("an empty field")));
        self.derivative_result(total, span, arg_span, "divergence", "div")
    }

    /// `curl(F)` or `curl(F, x)`: `d(F[2], x[1]) - d(F[1], x[2])` in 2-D, the vector
    /// `(d2 F3 - d3 F2, d3 F1 - d1 F3, d1 F2 - d2 F1)` in 3-D.
    pub(super) fn lower_curl(
        &mut self,
        args: &[Arg],
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        let info = builtins::info(Builtin::Curl);
        if args.is_empty() || args.len() > 2 {
            self.arity(span, "curl", info.signature, args.len());
            return None;
        }
        let field = self.lower(&args[0].value, env, ctx)?;
        let var = self.operator_var(args, "curl", span, env)?;
        let dim = self.space[var].domain.dim();
        let shape = self.g.ty(field).shape;
        let arg_span = args[0].value.span;
        let (Some(d @ (2 | 3)), true) = (dim, shape == Shape::Vector(dim.unwrap_or(0))) else {
            let space = match dim {
                Some(d) => format!("{d} components"),
                None => "1 component".into(),
            };
            self.diags.push(
                Diag::error(
                    "pdec::check::shape_mismatch",
                    format!(
                        "`curl` takes a field of 2 or 3 components in a space of as many; found {} in a space of {space}",
                        shape.describe()
                    ),
                )
                .primary(arg_span, "not a 2-D or 3-D vector field")
                .help("`curl(U)` of a vector unknown `U(t, x)[2]` with `x` in a 2-D domain is the scalar `d(U[2], x[1]) - d(U[1], x[2])`"),
            );
            return None;
        };
        // Each curl component is `d_j1 F_i1 - d_j2 F_i2`: (component of F, coordinate) pairs.
        let pairs: &[[Partial; 2]] = if d == 2 {
            &[[(1, 0), (0, 1)]]
        } else {
            &[[(2, 1), (1, 2)], [(0, 2), (2, 0)], [(1, 0), (0, 1)]]
        };
        let mut parts = Vec::new();
        for &[(i1, j1), (i2, j2)] in pairs {
            let r = self
                .partial(field, Some(i1), var, Comp::Fixed(j1), span)
                .and_then(|a| {
                    let b = self.partial(field, Some(i2), var, Comp::Fixed(j2), span)?;
                    Ok(self.g.binary(BinOp::Sub, a, b, span)?)
                });
            parts.push(self.derivative_result(r, span, arg_span, "curl", "curl")?);
        }
        if d == 2 {
            return Some(parts[0]);
        }
        let r = self.g.stack(&parts, span);
        self.t(r, span)
    }

    /// `convect(a, F)` or `convect(a, F, x)`: `sum(j) a[j] * d(F, x[j])`, componentwise for
    /// a vector `F` (the Navier-Stokes term `(U . grad) U` is `convect(U, U)`).
    pub(super) fn lower_convect(
        &mut self,
        args: &[Arg],
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        let info = builtins::info(Builtin::Convect);
        if args.len() < 2 || args.len() > 3 {
            self.arity(span, "convect", info.signature, args.len());
            return None;
        }
        let a = self.lower(&args[0].value, env, ctx);
        let field = self.lower(&args[1].value, env, ctx);
        let (a, field) = (a?, field?);
        // The space variable is the third argument: `operator_var` reads its second.
        let var = self.operator_var(&args[1..], "convect", span, env)?;
        let dim = self.space[var].domain.dim();
        let a_shape = self.g.ty(a).shape;
        let want = dim.map_or(Shape::Scalar, Shape::Vector);
        if a_shape != want {
            self.diags.push(
                Diag::error(
                    "pdec::check::shape_mismatch",
                    format!(
                        "`convect` moves along a velocity of {}, found {}",
                        want.describe(),
                        a_shape.describe()
                    ),
                )
                .primary(args[0].value.span, "not a velocity of the space variable")
                .help("the velocity has one component per space coordinate: `convect(U, U)` with `unknown U(t, x)[2]` and `x` in 2-D"),
            );
            return None;
        }
        let n = match self.g.ty(field).shape {
            Shape::Scalar => None,
            Shape::Vector(n) => Some(n),
            s @ Shape::Matrix(..) => {
                self.type_error(
                    crate::ir::TypeError::VectorExpected(s),
                    args[1].value.span,
                    "",
                );
                return None;
            }
        };
        let comps: Vec<Option<usize>> = match n {
            None => vec![None],
            Some(n) => (0..n).map(Some).collect(),
        };
        let coords: Vec<(Option<usize>, Comp)> = match dim {
            None => vec![(None, Comp::Scalar)],
            Some(d) => (0..d).map(|j| (Some(j), Comp::Fixed(j))).collect(),
        };
        let mut items = Vec::new();
        for i in comps {
            let mut total: Option<NodeId> = None;
            for &(j, comp) in &coords {
                let term = self.partial(field, i, var, comp, span).and_then(|dfi| {
                    let aj = match j {
                        Some(j) => self.g.index(a, &[Sel::Fixed(j)], span)?,
                        None => a,
                    };
                    let t = self.g.binary(BinOp::Mul, aj, dfi, span)?;
                    Ok(match total {
                        None => t,
                        Some(s) => self.g.binary(BinOp::Add, s, t, span)?,
                    })
                });
                total = Some(self.derivative_result(
                    term,
                    span,
                    args[1].value.span,
                    "convective term",
                    "convect",
                )?);
            }
            items.push(total?);
        }
        if n.is_none() {
            return items.pop();
        }
        let r = self.g.stack(&items, span);
        self.t(r, span)
    }

    /// `d(F[i]) / d(x[comp])` (`F` itself when `i` is `None`).
    fn partial(
        &mut self,
        field: NodeId,
        i: Option<usize>,
        var: usize,
        comp: Comp,
        span: Span,
    ) -> Result<NodeId, DiffError> {
        let fi = match i {
            Some(i) => self.g.index(field, &[Sel::Fixed(i)], span)?,
            None => field,
        };
        diff::diff(&mut self.g, fi, var, comp, span)
    }

    /// A symbolic derivative's result, or its error reported: `what` names the operation
    /// in messages ("divergence"), `op` the built-in (`div`).
    pub(super) fn derivative_result(
        &mut self,
        result: Result<NodeId, DiffError>,
        span: Span,
        arg_span: Span,
        what: &str,
        op: &str,
    ) -> Option<NodeId> {
        match result {
            Ok(r) => Some(r),
            Err(DiffError::Type(e)) => {
                self.type_error(e, span, "");
                None
            }
            Err(DiffError::OrderTooHigh) => {
                self.diags.push(
                    Diag::error(
                        "pdec::check::derivative_order",
                        format!("this {what} needs derivatives of order three or more"),
                    )
                    .primary(span, "order too high")
                    .help("pdec computes derivatives up to second order"),
                );
                None
            }
            Err(DiffError::NotDifferentiable(why)) => {
                self.diags.push(
                    Diag::error(
                        "pdec::check::not_differentiable",
                        format!("cannot differentiate {why} inside `{op}`"),
                    )
                    .primary(arg_span, "not differentiable")
                    .help(format!("write the {what} out with `d(...)` terms")),
                );
                None
            }
        }
    }
}
