//! The evaluator of stage 7a: IR nodes as candle tensors on one batch of points
//! ([`Batch`]), each node's value `[N, axes..., dims...]` computed once and cached. The
//! network's value and derivatives are read from the batch's [`Outputs`] by the directions'
//! tables ([`Directions`]); index sums, selections and reductions are tensor operations on the
//! axis dimensions.

use super::{Batch, Columns, Outputs, err};
use candle_core::{DType, Device, Result, Tensor};
use pdec_lang::ir::{
    AxisId, BinOp, Comp, Coord, Input, NodeId, Op, Problem, RedOp, Sel, Shape, Ty, UnOp, VecRed,
};
use std::collections::HashMap;

/// Evaluates IR nodes on one batch; results are cached per node.
pub struct Evaluator<'a> {
    pub problem: &'a Problem,
    pub cols: &'a Columns,
    pub batch: Batch<'a>,
    cache: HashMap<NodeId, Tensor>,
}

impl<'a> Evaluator<'a> {
    pub fn new(problem: &'a Problem, cols: &'a Columns, batch: Batch<'a>) -> Evaluator<'a> {
        Evaluator {
            problem,
            cols,
            batch,
            cache: HashMap::new(),
        }
    }

    fn n(&self) -> Result<usize> {
        self.batch.x.dim(0)
    }

    fn dev(&self) -> Device {
        self.batch.x.device().clone()
    }

    fn dt(&self) -> DType {
        self.batch.x.dtype()
    }

    /// The full tensor shape of a type on this batch.
    fn shape_of(&self, ty: &Ty) -> Result<Vec<usize>> {
        let g = &self.problem.graph;
        let mut s = vec![self.n()?];
        s.extend(ty.axes.iter().map(|a| g.axis(*a).len()));
        s.extend(ty.shape.dims());
        Ok(s)
    }

    /// Reshapes a value of type `from` so it broadcasts to type `to` (axes a subset, shape
    /// equal or scalar), then broadcasts.
    fn align(&self, t: &Tensor, from: &Ty, to: &Ty) -> Result<Tensor> {
        let g = &self.problem.graph;
        let mut shape = vec![t.dim(0)?];
        for a in &to.axes {
            shape.push(if from.axes.contains(a) {
                g.axis(*a).len()
            } else {
                1
            });
        }
        let pos = to.shape.dims();
        if from.shape == Shape::Scalar {
            shape.extend(pos.iter().map(|_| 1));
        } else {
            shape.extend(from.shape.dims());
        }
        let mut full = self.shape_of(to)?;
        full[0] = t.dim(0)?;
        let r = if t.dims() == shape.as_slice() {
            t.clone()
        } else {
            t.contiguous()?.reshape(shape)?
        };
        if r.dims() == full.as_slice() {
            Ok(r)
        } else {
            r.broadcast_as(full)
        }
    }

    /// Unknown `u`'s outputs.
    fn out(&self, u: usize) -> Result<&Outputs> {
        self.batch
            .out
            .get(u)
            .ok_or_else(|| err("invariant: an output per unknown"))
    }

    fn tangent(&self, u: usize, k: usize) -> Result<Tensor> {
        let t = self
            .out(u)?
            .t
            .as_ref()
            .ok_or_else(|| err("invariant: tangents were requested"))?;
        t.get(k)
    }

    fn channel(&self, u: usize, k: usize) -> Result<Tensor> {
        let s = self
            .out(u)?
            .s
            .as_ref()
            .ok_or_else(|| err("invariant: second-order channels were requested"))?;
        s.get(k)
    }

    fn first(&self, u: usize, col: usize) -> Result<Tensor> {
        let k = *self
            .batch
            .dirs
            .first
            .get(&col)
            .ok_or_else(|| err("invariant: first derivative requested"))?;
        self.tangent(u, k)
    }

    fn second(&self, u: usize, a: usize, b: usize) -> Result<Tensor> {
        let d = self.batch.dirs;
        let diag = |c: usize| -> Result<Tensor> {
            let k = *d
                .diag
                .get(&c)
                .ok_or_else(|| err("invariant: diagonal second derivative requested"))?;
            self.channel(u, k)
        };
        if a == b {
            return diag(a);
        }
        // Polarization: H_ab = ((e_a + e_b)^T H (e_a + e_b) - H_aa - H_bb) / 2.
        let k = *d
            .mixed
            .get(&(a.min(b), a.max(b)))
            .ok_or_else(|| err("invariant: mixed derivative requested"))?;
        ((self.channel(u, k)? - diag(a)?)? - diag(b)?)?.affine(0.5, 0.0)
    }

    /// Unknown `u`'s derivative along `coords`.
    fn deriv(&self, u: usize, coords: &[Coord], ty: &Ty) -> Result<Tensor> {
        let g = &self.problem.graph;
        let cols: Vec<Vec<usize>> = coords
            .iter()
            .map(|c| pdec_lang::plan::needs::columns_of(&self.cols.layout, g, c))
            .collect();
        // Dimension order of the result: the node's axes (sorted), then positional dims in
        // coordinate order. Build the value as [N, c1.., c2..] in coordinate order, then
        // permute to the type's order.
        let axis_of = |c: &Coord| -> Option<AxisId> {
            match c {
                Coord::Space {
                    comp: Comp::Axis(a, _),
                    ..
                } => Some(*a),
                _ => None,
            }
        };
        let multi = |c: &Coord| {
            matches!(
                c,
                Coord::Space {
                    comp: Comp::Axis(..) | Comp::Whole,
                    ..
                }
            )
        };
        let value = match coords {
            [c] => {
                if multi(c) {
                    let ts: Vec<Tensor> = cols[0]
                        .iter()
                        .map(|col| self.first(u, *col))
                        .collect::<Result<_>>()?;
                    Tensor::stack(&ts, 1)?
                } else {
                    self.first(u, cols[0][0])?
                }
            }
            [a, b] => {
                let same = a == b && axis_of(a).is_some();
                if same {
                    let ts: Vec<Tensor> = cols[0]
                        .iter()
                        .map(|c| self.second(u, *c, *c))
                        .collect::<Result<_>>()?;
                    Tensor::stack(&ts, 1)?
                } else {
                    let mut rows = Vec::new();
                    for x in &cols[0] {
                        let row: Vec<Tensor> = cols[1]
                            .iter()
                            .map(|y| self.second(u, *x, *y))
                            .collect::<Result<_>>()?;
                        rows.push(if multi(b) {
                            Tensor::stack(&row, 1)?
                        } else {
                            row[0].clone()
                        });
                    }
                    if multi(a) {
                        Tensor::stack(&rows, 1)?
                    } else {
                        rows.swap_remove(0)
                    }
                }
            }
            _ => return Err(err("derivatives above second order are not supported")),
        };
        // Current dim order: coordinate order (same-axis diagonal counts once).
        let mut current: Vec<Option<AxisId>> = Vec::new();
        let same = coords.len() == 2 && coords[0] == coords[1] && axis_of(&coords[0]).is_some();
        for (i, c) in coords.iter().enumerate() {
            if same && i == 1 {
                break;
            }
            if multi(c) {
                current.push(axis_of(c));
            }
        }
        // Target: axes sorted (ty.axes), then Whole dims in order.
        let mut target: Vec<Option<AxisId>> = ty.axes.iter().map(|a| Some(*a)).collect();
        target.extend(current.iter().filter(|c| c.is_none()).copied());
        if current == target {
            return Ok(value);
        }
        let mut used = vec![false; current.len()];
        let mut perm = vec![0usize];
        for t in &target {
            let i = current
                .iter()
                .enumerate()
                .position(|(i, c)| !used[i] && c == t)
                .ok_or_else(|| err("invariant: derivative dims match the type"))?;
            used[i] = true;
            perm.push(i + 1);
        }
        value.permute(perm)?.contiguous()
    }

    fn constant_tensor(&self, id: NodeId) -> Result<Tensor> {
        let node = self.problem.graph.node(id);
        let Op::Tensor(k) = node.op else {
            return Err(err("invariant: a tensor constant"));
        };
        let mut shape = self.shape_of(&node.ty)?;
        shape[0] = 1;
        self.cols.consts.graph_tensor(
            k,
            &self.problem.graph.tensors[k].data,
            &shape,
            &self.dev(),
            self.dt(),
        )
    }

    /// Gives node `id` the value `v` (`[N, axes..., dims...]`), computed otherwise (a drift's
    /// directional derivative): evaluating it, or a node that reads it, uses `v`.
    pub fn know(&mut self, id: NodeId, v: Tensor) {
        self.cache.insert(id, v);
    }

    pub fn eval(&mut self, id: NodeId) -> Result<Tensor> {
        if let Some(t) = self.cache.get(&id) {
            return Ok(t.clone());
        }
        let v = self.compute(id)?;
        self.cache.insert(id, v.clone());
        Ok(v)
    }

    /// A node's value, by op kind: leaves here, the rest in a helper per kind.
    fn compute(&mut self, id: NodeId) -> Result<Tensor> {
        let p = self.problem;
        let g = &p.graph;
        let node = g.node(id);
        let ty = node.ty.clone();
        let n = self.n()?;
        let (dev, dt) = (self.dev(), self.dt());
        let full = self.shape_of(&ty)?;
        Ok(match node.op.clone() {
            Op::Const(r) => Tensor::full(r.0, n, &dev)?.to_dtype(dt)?.reshape(full)?,
            Op::Tensor(_) => self.constant_tensor(id)?.broadcast_as(full)?,
            Op::AxisValue(a) => {
                let ax = g.axis(a);
                let vals: Vec<f64> = (ax.lo..=ax.hi).map(|v| v as f64).collect();
                self.cols
                    .consts
                    .floats(&vals, &[1, ax.len()], &dev, dt)?
                    .broadcast_as(full)?
            }
            Op::Input(i) => self.input(i, &ty)?,
            Op::U(u) => self.out(u)?.f.clone(),
            Op::Deriv(u, coords) => self.deriv(u, &coords, &ty)?,
            Op::Normal(k) => self.normal(k, &ty)?,
            Op::NormalDeriv(u) => {
                let k = self
                    .batch
                    .dirs
                    .normal
                    .ok_or_else(|| err("invariant: normal direction requested"))?;
                self.tangent(u, k)?
            }
            Op::Unary(op, a) => self.unary(op, a)?,
            Op::Binary(op, a, b) => self.binary(op, a, b, &ty)?,
            Op::Select(c, a, b) => self.select(c, a, b, &ty)?,
            Op::Index(base, sels) => self.index(base, &sels, &ty)?,
            Op::Reduce(r, axes, body) => self.reduce(r, &axes, body)?,
            Op::ReduceVec(r, v) => self.reduce_vec(r, v)?,
            Op::Stack(items) => self.stack(&items, &ty)?,
            Op::Coef(k) => self
                .batch
                .coefs
                .get(k)
                .ok_or_else(|| err("invariant: the unknown coefficients are given"))?
                .to_dtype(dt)?
                .broadcast_as(full)?,
        })
    }

    /// An input's columns of the batch: `[N]` for a scalar, `[N, len]` for a vector.
    fn input(&self, i: Input, ty: &Ty) -> Result<Tensor> {
        let cols = self
            .cols
            .layout
            .columns(i)
            .ok_or_else(|| err("invariant: a column per input"))?;
        let x = self.batch.x.narrow(1, cols.start, cols.len())?;
        if ty.shape == Shape::Scalar {
            x.squeeze(1)
        } else {
            x.contiguous()
        }
    }

    /// Space variable `k`'s columns of the faces' outward normals.
    fn normal(&self, k: usize, ty: &Ty) -> Result<Tensor> {
        let (off, len) = self
            .cols
            .layout
            .space(k)
            .ok_or_else(|| err("invariant: a column per space variable"))?;
        let n = self
            .batch
            .normals
            .as_ref()
            .ok_or_else(|| err("invariant: a face's normal off the faces"))?
            .narrow(1, off, len)?;
        if ty.shape == Shape::Scalar {
            n.squeeze(1)
        } else {
            n.contiguous()
        }
    }

    fn unary(&mut self, op: UnOp, a: NodeId) -> Result<Tensor> {
        let dt = self.dt();
        let x = self.eval(a)?;
        Ok(match op {
            UnOp::Neg => x.neg()?,
            UnOp::Exp => x.exp()?,
            UnOp::Log => x.log()?,
            UnOp::Sqrt => x.sqrt()?,
            UnOp::Abs => x.abs()?,
            UnOp::Sin => x.sin()?,
            UnOp::Cos => x.cos()?,
            UnOp::Tan => (x.sin()? / x.cos()?)?,
            UnOp::Tanh => x.tanh()?,
            UnOp::Sinh => ((x.exp()? - x.neg()?.exp()?)? * 0.5)?,
            UnOp::Cosh => ((x.exp()? + x.neg()?.exp()?)? * 0.5)?,
            UnOp::Atan => atan(&x)?,
            UnOp::Erf => x.erf()?,
            UnOp::Sign => x.sign()?,
            UnOp::Floor => x.floor()?,
            UnOp::Not => x.eq(0.0)?.to_dtype(dt)?,
        })
    }

    /// A binary op on both operands aligned to the result's type `ty`; comparisons and
    /// logic give 0 or 1.
    fn binary(&mut self, op: BinOp, a: NodeId, b: NodeId, ty: &Ty) -> Result<Tensor> {
        let g = &self.problem.graph;
        let dt = self.dt();
        let (ta, tb) = (g.ty(a).clone(), g.ty(b).clone());
        let x = self.eval(a)?;
        let y = self.eval(b)?;
        // Constant exponents keep their own fast, exact forms.
        if op == BinOp::Pow
            && let Some(e) = g.as_const(b)
        {
            let x = self.align(&x, &ta, ty)?;
            return if e == 2.0 {
                x.sqr()
            } else if e == 1.0 {
                Ok(x)
            } else if e == 0.5 {
                x.sqrt()
            } else {
                x.powf(e)
            };
        }
        let x = self.align(&x, &ta, ty)?;
        let y = self.align(&y, &tb, ty)?;
        Ok(match op {
            BinOp::Add => (x + y)?,
            BinOp::Sub => (x - y)?,
            BinOp::Mul => (x * y)?,
            BinOp::Div => (x / y)?,
            BinOp::Pow => (y * x.log()?)?.exp()?,
            BinOp::Min => x.minimum(&y)?,
            BinOp::Max => x.maximum(&y)?,
            BinOp::Lt => x.lt(&y)?.to_dtype(dt)?,
            BinOp::Le => x.le(&y)?.to_dtype(dt)?,
            BinOp::Gt => x.gt(&y)?.to_dtype(dt)?,
            BinOp::Ge => x.ge(&y)?.to_dtype(dt)?,
            BinOp::Eq => x.eq(&y)?.to_dtype(dt)?,
            BinOp::Ne => x.ne(&y)?.to_dtype(dt)?,
            BinOp::And => (x.ne(0.0)?.to_dtype(dt)? * y.ne(0.0)?.to_dtype(dt)?)?,
            BinOp::Or => x
                .ne(0.0)?
                .to_dtype(dt)?
                .maximum(&y.ne(0.0)?.to_dtype(dt)?)?,
        })
    }

    /// `c ? a : b` pointwise, each aligned to the result's type `ty`.
    fn select(&mut self, c: NodeId, a: NodeId, b: NodeId, ty: &Ty) -> Result<Tensor> {
        let g = &self.problem.graph;
        let (tc, ta, tb) = (g.ty(c).clone(), g.ty(a).clone(), g.ty(b).clone());
        let c = self.eval(c)?;
        let x = self.eval(a)?;
        let y = self.eval(b)?;
        let c = self
            .align(
                &c,
                &tc,
                &Ty {
                    boolean: false,
                    ..ty.clone()
                },
            )?
            .ne(0.0)?;
        c.where_cond(&self.align(&x, &ta, ty)?, &self.align(&y, &tb, ty)?)
    }

    fn index(&mut self, base: NodeId, sels: &[Sel], ty: &Ty) -> Result<Tensor> {
        let g = &self.problem.graph;
        let tb = g.ty(base).clone();
        let mut x = self.eval(base)?;
        // Dims of x: [N, tb.axes..., pos...]; process selectors on the positional dims.
        let mut order: Vec<Option<AxisId>> = tb.axes.iter().map(|a| Some(*a)).collect();
        let mut pos = tb.axes.len() + 1;
        for s in sels {
            match *s {
                Sel::Fixed(k) => {
                    x = x.narrow(pos, k, 1)?.squeeze(pos)?;
                }
                Sel::Axis(a, off) => {
                    let len = g.axis(a).len();
                    // An axis the value already has takes the diagonal (`grad(U)[i, i]`):
                    // entry `k` of that axis, position `off + k` of this dimension.
                    if let Some(have) = order.iter().position(|o| *o == Some(a)) {
                        let p = have + 1;
                        let parts = (0..len)
                            .map(|k| x.narrow(p, k, 1)?.narrow(pos, off + k, 1)?.squeeze(pos))
                            .collect::<candle_core::Result<Vec<_>>>()?;
                        x = Tensor::cat(&parts, p)?;
                        continue;
                    }
                    x = x.narrow(pos, off, len)?;
                    order.push(Some(a));
                    pos += 1;
                }
            }
        }
        // x dims: [N, tb.axes..., new axes..., remaining pos...] -> [N, sorted axes..., pos...]
        let rest = x.rank() - 1 - order.len();
        let mut perm = vec![0];
        for a in &ty.axes {
            let i = order
                .iter()
                .position(|o| *o == Some(*a))
                .ok_or_else(|| err("invariant: index axes"))?;
            perm.push(i + 1);
        }
        for r in 0..rest {
            perm.push(order.len() + 1 + r);
        }
        if perm.iter().enumerate().all(|(i, p)| i == *p) {
            x.contiguous()
        } else {
            x.permute(perm)?.contiguous()
        }
    }

    /// A sum or product over index axes of `body`'s value.
    fn reduce(&mut self, r: RedOp, axes: &[AxisId], body: NodeId) -> Result<Tensor> {
        let tb = self.problem.graph.ty(body).clone();
        let x = self.eval(body)?;
        let dims: Vec<usize> = axes
            .iter()
            .map(|a| {
                tb.axes
                    .iter()
                    .position(|b| b == a)
                    .map(|i| i + 1)
                    .ok_or_else(|| err("invariant: reduced axis present"))
            })
            .collect::<Result<_>>()?;
        Ok(match r {
            RedOp::Sum => x.sum(dims)?,
            RedOp::Prod => {
                let mut v = x;
                for d in dims.iter().rev() {
                    v = prod_dim(&v, *d)?;
                }
                v
            }
        })
    }

    /// A reduction over a vector's positional (last) dimension.
    fn reduce_vec(&mut self, r: VecRed, v: NodeId) -> Result<Tensor> {
        let x = self.eval(v)?;
        let last = x.rank() - 1;
        Ok(match r {
            VecRed::Sum => x.sum(last)?,
            VecRed::Mean => x.mean(last)?,
            VecRed::Max => x.max(last)?,
            VecRed::Min => x.min(last)?,
            VecRed::Prod => prod_dim(&x, last)?,
        })
    }

    /// Items stacked into the result's first positional dimension: scalars into a vector,
    /// vectors into the rows of a matrix.
    fn stack(&mut self, items: &[NodeId], ty: &Ty) -> Result<Tensor> {
        let g = &self.problem.graph;
        let item_shape = match ty.shape {
            Shape::Matrix(_, d) => Shape::Vector(d),
            _ => Shape::Scalar,
        };
        let item_ty = Ty {
            shape: item_shape,
            ..ty.clone()
        };
        let mut parts = Vec::new();
        for i in items {
            let ti = g.ty(*i).clone();
            let v = self.eval(*i)?;
            parts.push(self.align(&v, &ti, &item_ty)?);
        }
        Tensor::stack(&parts, ty.axes.len() + 1)
    }
}

fn prod_dim(x: &Tensor, dim: usize) -> Result<Tensor> {
    let n = x.dim(dim)?;
    let mut acc = x.narrow(dim, 0, 1)?;
    for i in 1..n {
        acc = (acc * x.narrow(dim, i, 1)?)?;
    }
    acc.squeeze(dim)
}

/// `atan` from candle's elementwise operations (candle has none): range reduction to
/// `|x| <= 1` and a minimax polynomial (error below 1e-5).
fn atan(x: &Tensor) -> Result<Tensor> {
    let ax = x.abs()?;
    let big = ax.gt(1.0)?;
    let r = big.where_cond(&ax.recip()?, &ax)?;
    let r2 = r.sqr()?;
    // atan(r) ~ r * (c1 + c3 r^2 + c5 r^4 + c7 r^6 + c9 r^8), |r| <= 1.
    let c = [
        0.999_866_0,
        -0.330_299_5,
        0.180_141_0,
        -0.085_133_0,
        0.020_835_1,
    ];
    let mut poly = (r2.ones_like()? * c[4])?;
    for k in (0..4).rev() {
        poly = ((poly * &r2)? + c[k])?;
    }
    let a = (poly * &r)?;
    let a = big.where_cond(&a.affine(-1.0, std::f64::consts::FRAC_PI_2)?, &a)?;
    a * x.sign()?
}
