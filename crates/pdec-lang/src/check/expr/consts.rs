//! Compile-time constants: whole numbers and scalars that must be known before training
//! (bounds, dimensions, report values), and `const` items, each evaluated once and folded to
//! a constant node (a vector or matrix when it has index binders).

use super::{Ctx, Env, Local};
use crate::check::{Checker, ConstState};
use crate::diag::Diag;
use crate::ir::{NodeId, Op, Shape, Ty, TypeError};
use crate::resolve::ItemRef;
use crate::source::Span;
use crate::syntax::ast::{self, Expr};

impl Checker<'_> {
    /// A whole-number compile-time constant.
    pub fn const_int(&mut self, e: &Expr, env: &Env, what: &'static str) -> Option<i64> {
        let v = self.const_scalar(e, env, what)?;
        if v.fract() != 0.0 || v.abs() > 1e15 {
            self.diags.push(
                Diag::error(
                    "pdec::check::not_integer",
                    format!("{what} must be a whole number, found {v}"),
                )
                .primary(e.span, "not a whole number")
                .help("use a whole number such as `1` or `d`"),
            );
            return None;
        }
        Some(v as i64)
    }

    /// A scalar compile-time constant.
    pub fn const_scalar(&mut self, e: &Expr, env: &Env, what: &'static str) -> Option<f64> {
        let n = self.lower(e, env, Ctx { what, ..Ctx::CONST })?;
        match self.g.op(n) {
            Op::Const(r) if r.0.is_finite() => Some(r.0),
            Op::Const(r) => {
                let v = r.0;
                self.diags.push(
                    Diag::error(
                        "pdec::check::not_finite",
                        format!("{what} evaluates to {v}"),
                    )
                    .primary(e.span, "not a finite number")
                    .help("check for division by zero, `log` of zero or overflow"),
                );
                None
            }
            _ => {
                let s = self.g.ty(n).shape;
                self.diags.push(
                    Diag::error(
                        "pdec::check::expected_scalar",
                        format!("{what} must be a scalar, found {}", s.describe()),
                    )
                    .primary(e.span, "not a scalar constant")
                    .help("give a single number"),
                );
                None
            }
        }
    }

    /// The folded value of a `const` item (evaluated once, on first use).
    pub fn const_value(&mut self, r: ItemRef, span: Span) -> Option<NodeId> {
        match self.consts.get(&r) {
            Some(ConstState::Done(v)) => return *v,
            Some(ConstState::InProgress) => {
                let name = match &self.program.item(r).kind {
                    ast::ItemKind::Const { name, .. } => name.clone(),
                    _ => return None,
                };
                self.diags.push(
                    Diag::error(
                        "pdec::check::cyclic_const",
                        format!("constant `{}` depends on itself", name.text),
                    )
                    .primary(span, "used here while being defined")
                    .secondary(name.span, "defined here")
                    .help(
                        "give one of the constants in the cycle a value that does not refer back",
                    ),
                );
                self.consts.insert(r, ConstState::Done(None));
                return None;
            }
            None => {}
        }
        self.consts.insert(r, ConstState::InProgress);
        let v = self.eval_const_item(r);
        self.consts.insert(r, ConstState::Done(v));
        v
    }

    fn eval_const_item(&mut self, r: ItemRef) -> Option<NodeId> {
        let program = self.program;
        let ast::ItemKind::Const {
            name,
            binders,
            value,
        } = &program.item(r).kind
        else {
            return None;
        };
        let mut env = Env {
            module: r.module,
            ..Env::default()
        };
        if binders.len() > 2 {
            self.diags.push(
                Diag::error(
                    "pdec::check::too_many_indices",
                    format!(
                        "constant `{}` has {} indices; at most 2 (a matrix)",
                        name.text,
                        binders.len()
                    ),
                )
                .primary(binders[2].span, "third index")
                .help("constants are scalars, vectors or matrices"),
            );
            return None;
        }
        let mut axes = Vec::new();
        for b in binders {
            let a = self.binder_axis(b, &env)?;
            if self.g.axis(a).lo != 1 {
                self.diags.push(
                    Diag::error(
                        "pdec::check::bad_range",
                        format!("the index range of constant `{}` must start at 1", name.text),
                    )
                    .primary(b.lo.span, "starts elsewhere")
                    .help("a constant vector `v[i in 1..n]` has components 1 to n; use `if` for special entries"),
                );
                return None;
            }
            env.locals.insert(b.name.id, Local::Axis(a));
            axes.push(a);
        }
        let v = self.lower(value, &env, Ctx::CONST)?;
        if !self.g.is_constant(v) {
            return None;
        }
        let ty = self.g.ty(v).clone();
        if ty.boolean {
            self.type_error(TypeError::BooleanArithmetic, value.span, "");
            return None;
        }
        if axes.is_empty() {
            return Some(v);
        }
        if ty.shape != Shape::Scalar {
            self.diags.push(
                Diag::error(
                    "pdec::check::entry_not_scalar",
                    format!(
                        "each entry of constant `{}` must be a scalar, found {}",
                        name.text,
                        ty.shape.describe()
                    ),
                )
                .primary(value.span, "not a scalar")
                .help(format!(
                    "`{}[...]` defines one number per index; index the vector, e.g. `v[i]`",
                    name.text
                )),
            );
            return None;
        }
        // The value over the binders' axes becomes a positional vector or matrix.
        let lens: Vec<usize> = axes.iter().map(|a| self.g.axis(*a).len()).collect();
        let total: usize = lens.iter().product();
        if total > crate::ir::max_tensor() {
            self.type_error(TypeError::TooLarge, value.span, "");
            return None;
        }
        let out = crate::ir::eval::Layout {
            axes: axes.iter().copied().zip(lens.iter().copied()).collect(),
            dims: vec![],
        };
        let full = crate::ir::eval::broadcast(crate::ir::eval::leaf(&self.g, v)?, &out);
        let data = full.data.into_owned();
        let shape = match lens.as_slice() {
            [n] => Shape::Vector(*n),
            [n, m] => Shape::Matrix(*n, *m),
            _ => Shape::Scalar,
        };
        self.g.tensors.push(crate::ir::Tensor { data });
        let k = self.g.tensors.len() - 1;
        Some(self.g.add(Op::Tensor(k), Ty::of_shape(shape), name.span))
    }
}
