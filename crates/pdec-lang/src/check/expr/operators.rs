//! Lowering operators: unary and binary operators, `if`, index sums and products
//! (`sum(i in 1..d) body`) and vector reductions (`sum(v)`), and vector literals (`[a, b]`).
//! A shape error names the operator and the shapes of both operands.

use super::{Ctx, Env, Local};
use crate::check::Checker;
use crate::diag::Diag;
use crate::ir::{BinOp, NodeId, RedOp, Shape, TypeError, UnOp, VecRed};
use crate::source::Span;
use crate::syntax::ast::{self, BinaryOp, Binder, Expr, ExprKind, UnaryOp};

impl Checker<'_> {
    /// `+a`, `-a`, `!a`.
    pub(super) fn lower_unary(
        &mut self,
        op: &UnaryOp,
        operand: &Expr,
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        let a = self.lower(operand, env, ctx)?;
        match op {
            UnaryOp::Plus => Some(a),
            UnaryOp::Neg => {
                let r = self.g.unary(UnOp::Neg, a, span);
                self.t(r, span)
            }
            UnaryOp::Not => {
                let r = self.g.unary(UnOp::Not, a, span);
                self.t(r, span)
            }
        }
    }

    /// `a op b` (`e` is a binary expression): arithmetic, comparisons, `and`, `or`.
    pub(super) fn lower_binary(&mut self, e: &Expr, env: &Env, ctx: Ctx) -> Option<NodeId> {
        let ExprKind::Binary {
            op,
            lhs,
            rhs,
            op_span,
        } = &e.kind
        else {
            return None;
        };
        let span = e.span;
        let a = self.lower(lhs, env, ctx);
        let b = self.lower(rhs, env, ctx);
        let (a, b) = (a?, b?);
        let bop = match op {
            BinaryOp::Add => BinOp::Add,
            BinaryOp::Sub => BinOp::Sub,
            BinaryOp::Mul => BinOp::Mul,
            BinaryOp::Div => BinOp::Div,
            BinaryOp::Pow => BinOp::Pow,
            BinaryOp::Lt => BinOp::Lt,
            BinaryOp::Le => BinOp::Le,
            BinaryOp::Gt => BinOp::Gt,
            BinaryOp::Ge => BinOp::Ge,
            BinaryOp::Eq => BinOp::Eq,
            BinaryOp::Ne => BinOp::Ne,
            BinaryOp::And => BinOp::And,
            BinaryOp::Or => BinOp::Or,
        };
        if bop == BinOp::Mul
            && let (Shape::Matrix(..), Shape::Vector(_)) | (Shape::Matrix(..), Shape::Matrix(..)) =
                (self.g.ty(a).shape, self.g.ty(b).shape)
        {
            self.diags.push(
                Diag::error(
                    "pdec::check::shape_mismatch",
                    "`*` is elementwise; there is no matrix product operator",
                )
                .primary(*op_span, "matrix times vector or matrix")
                .help("write the product with an index sum: `sum(j in 1..n) A[i, j] * v[j]`"),
            );
            return None;
        }
        let r = self.g.binary(bop, a, b, span);
        match r {
            Err(e @ (TypeError::BooleanArithmetic | TypeError::BooleanExpected)) => {
                // Point at the operand that has the wrong kind.
                let want_bool = matches!(bop, BinOp::And | BinOp::Or);
                let culprit = if self.g.ty(a).boolean != want_bool {
                    lhs.span
                } else {
                    rhs.span
                };
                self.type_error(e, culprit, "");
                None
            }
            Err(TypeError::ShapeMismatch(x, y)) => {
                let habit = match (bop, x, y) {
                    (BinOp::Pow, Shape::Vector(_), _) => {
                        " (`x^2` squares each component; for the squared norm write `norm(x)^2`)"
                    }
                    _ => "",
                };
                self.diags.push(
                    Diag::error(
                        "pdec::check::shape_mismatch",
                        format!("cannot combine {} with {} using `{}`", x.describe(), y.describe(), op.symbol()),
                    )
                    .primary(*op_span, "shapes do not match")
                    .secondary(lhs.span, x.describe())
                    .secondary(rhs.span, y.describe())
                    .help(format!(
                        "combine vectors of the same length, or a vector with a scalar; reduce with `sum`, `dot` or `norm`{habit}"
                    )),
                );
                None
            }
            r => self.t(r, span),
        }
    }

    /// `if cond then a else b`.
    pub(super) fn lower_if(
        &mut self,
        cond: &Expr,
        then: &Expr,
        otherwise: &Expr,
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        let c = self.lower(cond, env, ctx);
        let a = self.lower(then, env, ctx);
        let b = self.lower(otherwise, env, ctx);
        let (c, a, b) = (c?, a?, b?);
        if !self.g.ty(c).boolean {
            self.diags.push(
                Diag::error(
                    "pdec::check::not_boolean",
                    "the condition of `if` must be a comparison",
                )
                .primary(cond.span, "a number, not a condition")
                .help("compare it: `if z > 0 then ... else ...`"),
            );
            return None;
        }
        let r = self.g.select(c, a, b, span);
        self.t(r, span)
    }

    /// `sum(i in 1..d, ...) body` and `prod(...)`: a reduction over index variables.
    pub(super) fn lower_reduce(
        &mut self,
        op: &ast::ReduceOp,
        binders: &[Binder],
        body: &Expr,
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        let mut inner = env.clone();
        let mut axes = Vec::new();
        for b in binders {
            let a = self.binder_axis(b, env)?;
            inner.locals.insert(b.name.id, Local::Axis(a));
            axes.push(a);
        }
        let body_node = self.lower(body, &inner, ctx)?;
        let rop = match op {
            ast::ReduceOp::Sum => RedOp::Sum,
            ast::ReduceOp::Prod => RedOp::Prod,
        };
        let r = self.g.reduce(rop, &axes, body_node, span);
        match r {
            Err(e @ TypeError::SumBodyNotScalar(_)) => {
                self.type_error(e, body.span, "");
                None
            }
            r => self.t(r, span),
        }
    }

    /// `sum(v)`, `prod(v)`: over the components of a vector.
    pub(super) fn lower_reduce_vector(
        &mut self,
        op: &ast::ReduceOp,
        arg: &Expr,
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        let v = self.lower(arg, env, ctx)?;
        let vop = match op {
            ast::ReduceOp::Sum => VecRed::Sum,
            ast::ReduceOp::Prod => VecRed::Prod,
        };
        let r = self.g.reduce_vec(vop, v, span);
        self.t(r, arg.span)
    }

    /// `[a, b, ...]`: a vector of scalars.
    pub(super) fn lower_list(
        &mut self,
        items: &[Expr],
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        let mut nodes = Vec::new();
        for i in items {
            nodes.push(self.lower(i, env, ctx));
        }
        let nodes: Vec<NodeId> = nodes.into_iter().collect::<Option<_>>()?;
        if nodes.is_empty() {
            self.diags.push(
                Diag::error(
                    "pdec::check::empty_vector",
                    "a vector needs at least one component",
                )
                .primary(span, "empty")
                .help("write its components: `[1, 2]`"),
            );
            return None;
        }
        if let Some(k) = nodes.iter().position(|n| {
            let t = self.g.ty(*n);
            t.shape != Shape::Scalar || t.boolean
        }) {
            let s = self.g.ty(nodes[k]).shape;
            self.type_error(TypeError::ScalarEntryExpected(s), items[k].span, "");
            return None;
        }
        let r = self.g.stack(&nodes, span);
        self.t(r, span)
    }
}
