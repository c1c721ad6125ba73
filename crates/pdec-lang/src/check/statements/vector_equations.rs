//! Vector equations: in a problem with a vector unknown, an equation or condition between
//! vectors (`pde momentum: d(U, t) + ... = 0`, `boundary x[1] = 0: U = [0, 0]`) stands for
//! its components, each its own equation or condition (and loss term, `momentum[1]`,
//! `boundary x[1]=0: U[1]`), which the checks then treat as any scalar one. A vector set
//! equal to a scalar other than `0` (the zero vector), or to a vector of another length, is
//! `pdec::check::vector_equation_shape`.

use crate::check::Checker;
use crate::check::expr::{Ctx, Env};
use crate::diag::Diag;
use crate::ir::{NodeId, Sel, Shape};
use crate::syntax::ast::{Equation, Expr, ExprKind};
use crate::syntax::print;

impl Checker<'_> {
    /// `lhs = rhs` as its components' residuals, each with its left side: one for a scalar
    /// equation (or any equation of a problem without vector unknowns), one per component
    /// of a vector equation.
    pub(super) fn residual_components(
        &mut self,
        eq: &Equation,
        ctx: Ctx,
    ) -> Option<Vec<(NodeId, NodeId)>> {
        if !self.has_vector_unknown() {
            return self.residual_and_lhs(eq, ctx).map(|r| vec![r]);
        }
        let env = Env::default();
        let lhs = self.lower(&eq.lhs, &env, ctx);
        let rhs = eq.rhs.as_ref().map(|r| self.lower(r, &env, ctx));
        let (lhs, rhs) = (lhs?, rhs??);
        let (ls, rs) = (self.g.ty(lhs).shape, self.g.ty(rhs).shape);
        let n = match (ls, rs) {
            (Shape::Vector(n), Shape::Vector(m)) if n == m => n,
            (Shape::Vector(n), Shape::Scalar) if self.g.as_const(rhs) == Some(0.0) => n,
            (Shape::Scalar, Shape::Vector(n)) if self.g.as_const(lhs) == Some(0.0) => n,
            (Shape::Vector(_), Shape::Vector(_) | Shape::Scalar)
            | (Shape::Scalar, Shape::Vector(_)) => {
                self.vector_equation_shape(eq, ls, rs);
                return None;
            }
            // Scalars, and matrices (which the scalar check reports).
            _ => return self.scalar_residual(eq, lhs, rhs).map(|r| vec![r]),
        };
        let mut out = Vec::new();
        for j in 0..n {
            let l = self.component(lhs, j, eq);
            let r = self.component(rhs, j, eq);
            out.push(self.scalar_residual(eq, l?, r?)?);
        }
        Some(out)
    }

    /// Component `j` of a vector (a scalar stays itself: the zero of `U = 0`).
    fn component(&mut self, v: NodeId, j: usize, eq: &Equation) -> Option<NodeId> {
        if self.g.ty(v).shape == Shape::Scalar {
            return Some(v);
        }
        let r = self.g.index(v, &[Sel::Fixed(j)], eq.span);
        self.t(r, eq.span)
    }

    /// The two sides of a vector equation differ in shape.
    pub(super) fn vector_equation_shape(&mut self, eq: &Equation, ls: Shape, rs: Shape) {
        self.diags.push(
            Diag::error(
                "pdec::check::vector_equation_shape",
                format!(
                    "the left side is {} but the right side is {}",
                    ls.describe(),
                    rs.describe()
                ),
            )
            .primary(eq.span, "the two sides have different shapes")
            .help(
                "a vector equation holds component by component: give both sides one length \
                 (`[a, b]` for a vector, `0` for the zero vector), or write one component (`U[1] = ...`)",
            ),
        );
    }
}

/// The text of component `j` (0-based) of a vector left side, for loss-term names: `U[1]`
/// for `U`, `dn(U)[2]` for `dn(U)`.
pub(super) fn component_text(lhs: &Expr, j: usize, of: usize) -> String {
    let text = print::expr(lhs);
    if of <= 1 {
        return text;
    }
    match lhs.kind {
        ExprKind::Name(_) | ExprKind::Call { .. } | ExprKind::Index { .. } => {
            format!("{text}[{}]", j + 1)
        }
        _ => format!("({text})[{}]", j + 1),
    }
}
