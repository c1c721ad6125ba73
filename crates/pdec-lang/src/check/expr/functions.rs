//! Built-in functions of values: elementwise (`exp`, `log`, `sqrt`, `abs`, trigonometric
//! and hyperbolic functions, `erf`, `sign`, `floor`, `ceil`, two-argument `min`/`max` and
//! `mod`) and reductions of a
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
        if b == Builtin::Ceil {
            // ceil(a) = -floor(-a): one rounding op in the IR and the kernels.
            let r = self
                .g
                .unary(UnOp::Neg, a, span)
                .and_then(|na| self.g.unary(UnOp::Floor, na, span))
                .and_then(|f| self.g.unary(UnOp::Neg, f, span));
            return self.t(r, span);
        }
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
            Builtin::Floor => UnOp::Floor,
            _ => UnOp::Sign,
        };
        let r = self.g.unary(op, a, span);
        self.t(r, span)
    }

    /// `mod(a, b)` = `a - b * floor(a / b)`: the floored remainder, with the sign of `b`
    /// (Python's `%`), elementwise.
    pub(super) fn lower_mod(
        &mut self,
        callee: &Ident,
        args: &[Arg],
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        if args.len() != 2 {
            let info = builtins::info(Builtin::Mod);
            self.arity(span, &callee.text, info.signature, args.len());
            return None;
        }
        let a = self.lower(&args[0].value, env, ctx);
        let b = self.lower(&args[1].value, env, ctx);
        let (a, b) = (a?, b?);
        let r = self
            .g
            .binary(BinOp::Div, a, b, span)
            .and_then(|q| self.g.unary(UnOp::Floor, q, span))
            .and_then(|f| self.g.binary(BinOp::Mul, b, f, span))
            .and_then(|bf| self.g.binary(BinOp::Sub, a, bf, span));
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

#[cfg(test)]
mod tests {
    use crate::ir::diff::diff;
    use crate::ir::eval::{Dense, eval_at};
    use crate::ir::{Comp, Input, NodeId, Op, Problem};
    use crate::source::SourceFile;

    /// The `exact` of a 1-D problem, and its derivative in `x`.
    fn exact_and_slope(exact: &str) -> (Problem, NodeId, NodeId) {
        with_defs("", exact)
    }

    fn with_defs(defs: &str, exact: &str) -> (Problem, NodeId, NodeId) {
        let text = format!(
            "{defs}\ntime t in [0, 1]\nspace x in [-3, 3]\nunknown u(t, x)\npde d(u, t) = 0\n\
             initial u = {exact}\nboundary none\nexact u = {exact}\n"
        );
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text,
            },
            &[],
        );
        assert!(!c.diags.has_errors(), "{:#?}", c.diags);
        let mut p = c.checked.expect("checked").problem;
        let e = p.unknowns[0].exact.expect("exact");
        let span = p.graph.node(e).span;
        let slope = diff(&mut p.graph, e, 0, Comp::Scalar, span).expect("differentiable");
        (p, e, slope)
    }

    fn at(p: &Problem, n: NodeId, x: f64) -> f64 {
        let v = eval_at(&p.graph, n, &|op, _| match op {
            Op::Input(Input::Space(0)) => Some(Dense::scalar(x)),
            Op::Input(Input::Time) => Some(Dense::scalar(0.0)),
            _ => None,
        });
        v.expect("evaluates").data[0]
    }

    #[test]
    fn mod_is_the_floored_remainder_with_the_sign_of_the_divisor() {
        let (p, e, slope) = exact_and_slope("mod(x, 0.75)");
        for (x, want) in [
            (1.0, 0.25),
            (-1.0, 0.5),
            (0.75, 0.0),
            (-0.75, 0.0),
            (2.9, 0.65),
        ] {
            assert!((at(&p, e, x) - want).abs() < 1e-12, "mod({x}, 0.75)");
            // A sawtooth: slope 1 between its jumps.
            assert_eq!(at(&p, slope, x), 1.0);
        }
        let (p, e, _) = exact_and_slope("mod(x, -2)");
        assert!((at(&p, e, 1.5) + 0.5).abs() < 1e-12);
    }

    #[test]
    fn floor_and_ceil_round_down_and_up_with_zero_slope() {
        let (p, e, slope) = exact_and_slope("floor(x) + 10 * ceil(x)");
        for (x, want) in [(1.5, 1.0 + 20.0), (-1.5, -2.0 - 10.0), (2.0, 2.0 + 20.0)] {
            assert_eq!(at(&p, e, x), want, "x = {x}");
            assert_eq!(at(&p, slope, x), 0.0);
        }
    }

    #[test]
    fn a_function_of_no_arguments_is_named_without_parentheses() {
        let (p, e, slope) = with_defs("fn k = 2 * x", "k + k()");
        assert_eq!((at(&p, e, 0.5), at(&p, slope, 0.5)), (2.0, 4.0));
    }
}
