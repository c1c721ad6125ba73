//! Indexing and index ranges: `v[i]`, `m[i, j]`, `v[i + 1]`, `v[2]`, and the axes that
//! `i in lo..hi` creates. Indices count from 1 in the language and from 0 in the IR.

use super::{Ctx, Env, ast_name, out_of_range};
use crate::check::Checker;
use crate::diag::Diag;
use crate::ir::{AxisId, NodeId, Op, Sel, Shape, TypeError};
use crate::source::Span;
use crate::syntax::ast::{self, Expr};

impl Checker<'_> {
    /// `base[indices]`.
    pub(super) fn lower_index(
        &mut self,
        base: &Expr,
        indices: &[Expr],
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        if self.missing_component(base, indices, env) {
            return None;
        }
        let b = self.lower(base, env, ctx)?;
        let dims = self.g.ty(b).shape.dims();
        let mut sels = Vec::new();
        for (k, ix) in indices.iter().enumerate() {
            let len = dims.get(k).copied().unwrap_or(0);
            sels.push(self.selector(ix, env, len, ast_name(base).unwrap_or("this value"))?);
        }
        let r = self.g.index(b, &sels, span);
        match r {
            Err(TypeError::IndexOutOfRange { len, lo, hi }) => {
                let name = ast_name(base).unwrap_or("this value");
                self.diags.push(out_of_range(name, len, lo, hi, span));
                None
            }
            r => self.t(r, span),
        }
    }

    /// An index expression: an index variable (possibly shifted, `i + 1`) or a constant.
    pub(super) fn selector(&mut self, ix: &Expr, env: &Env, len: usize, name: &str) -> Option<Sel> {
        let n = self.lower(
            ix,
            env,
            Ctx {
                what: "an index",
                ..Ctx::CONST
            },
        )?;
        let bad = |this: &mut Self| {
            this.diags.push(
                Diag::error(
                    "pdec::check::bad_index",
                    "an index must be an index variable or a whole-number constant",
                )
                .primary(ix.span, "cannot index with this")
                .help("write `x[i]` with `i` from `sum(i in 1..d)` or `for i in 1..d`, or `x[1]`"),
            );
            None
        };
        match self.g.op(n).clone() {
            Op::Const(r) => {
                let v = r.0;
                if v.fract() != 0.0 {
                    return bad(self);
                }
                if len > 0 && (v < 1.0 || v > len as f64) {
                    self.diags
                        .push(out_of_range(name, len, v as i64, v as i64, ix.span));
                    return None;
                }
                if v < 1.0 {
                    return bad(self);
                }
                Some(Sel::Fixed(v as usize - 1))
            }
            Op::AxisValue(a) => {
                let (lo, hi) = (self.g.axis(a).lo, self.g.axis(a).hi);
                if lo < 1 || (len > 0 && hi > len as i64) {
                    self.diags.push(out_of_range(name, len, lo, hi, ix.span));
                    return None;
                }
                Some(Sel::Axis(a, (lo - 1) as usize))
            }
            Op::Tensor(k) => {
                // `i + c`: consecutive whole values along one axis.
                let ty = self.g.ty(n).clone();
                if ty.axes.len() != 1 || ty.shape != Shape::Scalar {
                    return bad(self);
                }
                let a = ty.axes[0];
                let data = &self.g.tensors[k].data;
                let first = data[0];
                let consecutive = data.iter().enumerate().all(|(i, v)| *v == first + i as f64);
                if !consecutive || first.fract() != 0.0 {
                    return bad(self);
                }
                let hi = first + data.len() as f64 - 1.0;
                if first < 1.0 || (len > 0 && hi > len as f64) {
                    self.diags
                        .push(out_of_range(name, len, first as i64, hi as i64, ix.span));
                    return None;
                }
                Some(Sel::Axis(a, first as usize - 1))
            }
            _ => bad(self),
        }
    }

    /// Creates the axis of `i in lo..hi` (bounds are whole-number constants).
    pub fn binder_axis(&mut self, b: &ast::Binder, env: &Env) -> Option<AxisId> {
        let lo = self.const_int(&b.lo, env, "an index range bound")?;
        let hi = self.const_int(&b.hi, env, "an index range bound")?;
        if hi < lo {
            self.diags.push(
                Diag::error(
                    "pdec::check::empty_range",
                    format!("the range {lo}..{hi} is empty"),
                )
                .primary(b.lo.span.to(b.hi.span), "no index lies in this range")
                .help("ranges are inclusive and count upwards: `1..d` has d elements"),
            );
            return None;
        }
        if (hi - lo) as u64 >= crate::ir::max_tensor() as u64 {
            self.type_error(TypeError::TooLarge, b.span, "");
            return None;
        }
        Some(self.g.new_axis(&b.name.text, lo, hi))
    }
}
