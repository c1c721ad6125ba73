//! Built-in functions of values: elementwise (`exp`, `log`, `sqrt`, `abs`, trigonometric
//! and hyperbolic functions, `erf`, `sign`, two-argument `min`/`max`) and reductions of a
//! vector (one-argument `min`/`max`, `norm`, `mean`, `len`, `dot`). Regions (`on`, `ball`,
//! `sphere`) are not values and are reported here.

use super::{Ctx, Env};
use crate::builtins::{self, Builtin};
use crate::check::Checker;
use crate::diag::Diag;
use crate::ir::{BinOp, NodeId, Shape, TypeError, UnOp, VecRed};
use crate::source::Span;
use crate::syntax::ast::{Arg, Ident};

impl Checker<'_> {
    /// `exp(a)`, `sin(a)`, ...: one argument, applied to each component.
    pub(super) fn lower_elementwise(
        &mut self,
        b: Builtin,
        callee: &Ident,
        args: &[Arg],
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        let info = builtins::info(b);
        let n = args.len();
        if n != 1 {
            self.arity(span, &callee.text, info.signature, n);
            return None;
        }
        let a = self.lower(&args[0].value, env, ctx)?;
        let op = match b {
            Builtin::Exp => UnOp::Exp,
            Builtin::Log => UnOp::Log,
            Builtin::Sqrt => UnOp::Sqrt,
            Builtin::Abs => UnOp::Abs,
            Builtin::Sin => UnOp::Sin,
            Builtin::Cos => UnOp::Cos,
            Builtin::Tan => UnOp::Tan,
            Builtin::Tanh => UnOp::Tanh,
            Builtin::Sinh => UnOp::Sinh,
            Builtin::Cosh => UnOp::Cosh,
            Builtin::Atan => UnOp::Atan,
            Builtin::Erf => UnOp::Erf,
            _ => UnOp::Sign,
        };
        let r = self.g.unary(op, a, span);
        self.t(r, span)
    }

    /// `min(v)`, `max(v)` over the components of a vector; `min(a, b)`, `max(a, b)`
    /// elementwise.
    pub(super) fn lower_min_max(
        &mut self,
        b: Builtin,
        callee: &Ident,
        args: &[Arg],
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        let info = builtins::info(b);
        let n = args.len();
        match n {
            1 => {
                let v = self.lower(&args[0].value, env, ctx)?;
                let op = if b == Builtin::Min {
                    VecRed::Min
                } else {
                    VecRed::Max
                };
                let r = self.g.reduce_vec(op, v, span);
                self.t(r, args[0].value.span)
            }
            2 => {
                let x = self.lower(&args[0].value, env, ctx);
                let y = self.lower(&args[1].value, env, ctx);
                let op = if b == Builtin::Min {
                    BinOp::Min
                } else {
                    BinOp::Max
                };
                let r = self.g.binary(op, x?, y?, span);
                self.t(r, span)
            }
            _ => {
                self.arity(span, &callee.text, info.signature, n);
                None
            }
        }
    }

    /// `norm(v)` (of a scalar: its absolute value), `mean(v)`, `len(v)`.
    pub(super) fn lower_vector_reduction(
        &mut self,
        b: Builtin,
        callee: &Ident,
        args: &[Arg],
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        let info = builtins::info(b);
        let n = args.len();
        if n != 1 {
            self.arity(span, &callee.text, info.signature, n);
            return None;
        }
        let v = self.lower(&args[0].value, env, ctx)?;
        let shape = self.g.ty(v).shape;
        match (b, shape) {
            (Builtin::Len, Shape::Vector(len)) => Some(self.g.constant(len as f64, span)),
            (Builtin::Norm, Shape::Scalar) => {
                let r = self.g.unary(UnOp::Abs, v, span);
                self.t(r, span)
            }
            (Builtin::Norm, _) => {
                let sq = self.g.binary(BinOp::Mul, v, v, span);
                let sq = self.t(sq, span)?;
                let s = self.g.reduce_vec(VecRed::Sum, sq, span);
                let s = self.t(s, args[0].value.span)?;
                let r = self.g.unary(UnOp::Sqrt, s, span);
                self.t(r, span)
            }
            (Builtin::Mean, _) => {
                let r = self.g.reduce_vec(VecRed::Mean, v, span);
                self.t(r, args[0].value.span)
            }
            (_, s) => {
                self.type_error(TypeError::VectorExpected(s), args[0].value.span, "");
                None
            }
        }
    }

    /// `dot(a, b)`: the sum of the componentwise product of two vectors.
    pub(super) fn lower_dot(
        &mut self,
        args: &[Arg],
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        let info = builtins::info(Builtin::Dot);
        let n = args.len();
        if n != 2 {
            self.arity(span, "dot", info.signature, n);
            return None;
        }
        let x = self.lower(&args[0].value, env, ctx);
        let y = self.lower(&args[1].value, env, ctx);
        let (x, y) = (x?, y?);
        for (node, a) in [(x, &args[0]), (y, &args[1])] {
            let s = self.g.ty(node).shape;
            if !matches!(s, Shape::Vector(_)) {
                self.type_error(TypeError::VectorExpected(s), a.value.span, "");
                return None;
            }
        }
        let p = self.g.binary(BinOp::Mul, x, y, span);
        let p = self.t(p, span)?;
        let r = self.g.reduce_vec(VecRed::Sum, p, span);
        self.t(r, span)
    }

    /// `on(x)`, `ball(...)`, `sphere(...)` used as a value.
    pub(super) fn misplaced_region(&mut self, b: Builtin, callee: &Ident, span: Span) {
        self.diags.push(
            Diag::error(
                "pdec::check::misplaced_domain",
                format!(
                    "`{}` describes a region and cannot be used as a value",
                    callee.text
                ),
            )
            .primary(span, "a region, not a number")
            .help(match b {
                Builtin::On => "use it as a boundary locus: `boundary on(x): u = 0`",
                _ => "use it as a domain: `space x in ball(3, center = 0, radius = 1)`",
            }),
        );
    }
}
