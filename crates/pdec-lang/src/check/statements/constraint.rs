//! `constraint u >= obstacle` (or `<=`): the unknown itself on the left, a scalar obstacle
//! that does not depend on the unknown on the right.

use super::Found;
use crate::check::expr::{Ctx, Env};
use crate::check::vector_unknowns::Named;
use crate::check::{Checker, UnknownRef};
use crate::diag::Diag;
use crate::ir::Constraint;
use crate::syntax::ast::{self, Item};

impl Checker<'_> {
    /// `constraint lhs op rhs`: one, with the unknown as `lhs`.
    pub(super) fn constraint_statement(
        &mut self,
        item: &Item,
        lhs: &ast::Expr,
        op: &ast::ConstraintOp,
        rhs: &ast::Expr,
        s: &mut Found,
    ) {
        if let Some(prev) = &s.constraint {
            self.duplicate(item.keyword, prev.span, "constraint");
            return;
        }
        let k = match self.named_unknown(lhs, &Env::default()) {
            Named::Unknown(UnknownRef::Scalar(k)) => Some(k),
            Named::Failed => return,
            _ => None,
        };
        let Some(k) = k else {
            self.diags.push(
                Diag::error(
                    "pdec::check::constraint_lhs",
                    "the left side of a constraint must be the unknown itself",
                )
                .primary(lhs.span, "not the unknown")
                .help(format!(
                    "write `constraint {} >= obstacle`",
                    self.unknown_name()
                )),
            );
            return;
        };
        let Some(g) = self.lower(rhs, &Env::default(), Ctx::OBSTACLE) else {
            return;
        };
        if !self.scalar_expr(g, rhs.span, "the obstacle") {
            return;
        }
        s.constraint = Some(Constraint {
            unknown: k,
            at_least: *op == ast::ConstraintOp::AtLeast,
            obstacle: g,
            span: item.span,
        });
    }
}
