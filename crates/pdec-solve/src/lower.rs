//! Stage 7a, lower: IR expressions evaluated as candle tensors on a batch of points, with the
//! unknown and its derivatives read from one forward pass of the network's jet.
//!
//! A node's value on a batch is a tensor `[N, axes..., dims...]`: the batch, then one
//! dimension per free index axis (sorted), then the positional shape. Index sums reduce
//! axis dimensions, so `sum(i in 1..d) x[i] * d(u, x[i])` is a handful of tensor operations.
//!
//! The plan lists the derivatives each pass reads ([`Needs`]: first derivatives by input
//! column, diagonal and mixed second derivatives, the normal derivative); [`Directions`]
//! turns them into the network's tangent directions, second-order ones first.

use crate::consts::ConstCache;
use crate::jet::SumWeights;
use crate::nn::{InputDir, InputJet, Net, Projections};
use candle_core::{DType, Device, Result, Tensor};
use pdec_lang::geometry::inputs::InputLayout;
use pdec_lang::ir::{
    AxisId, BinOp, Comp, Coord, Input, NodeId, Op, Problem, RedOp, Sel, Shape, Ty, UnOp, VecRed,
};
pub use pdec_lang::plan::needs::Needs;
use std::collections::{BTreeSet, HashMap};

fn err(msg: impl Into<String>) -> candle_core::Error {
    candle_core::Error::Msg(msg.into())
}

/// Where each input lives among the network's columns (the order of `plan.layout.inputs`).
#[derive(Clone, Debug)]
pub struct Columns {
    pub time: Option<usize>,
    /// `(offset, len)` per space variable (len 1 for a scalar variable).
    pub space: Vec<(usize, usize)>,
    pub params: Vec<usize>,
    pub width: usize,
    /// The plan's input layout these tables are read from.
    pub layout: InputLayout,
    /// Affine map to [-1, 1]: `z = scale * x + shift`, per column.
    pub scale: Vec<f64>,
    pub shift: Vec<f64>,
    /// Device copies of constants used with these columns.
    pub consts: ConstCache,
}

impl Columns {
    pub fn new(p: &Problem) -> Columns {
        // Offsets come from the samplers' layout, so points and network agree by construction.
        let layout = InputLayout::new(p);
        let width = layout.width;
        let (mut scale, mut shift) = (vec![1.0; width], vec![0.0; width]);
        let mut set = |col: usize, lo: f64, hi: f64| {
            // Degenerate ranges cannot occur (checked), but keep the map finite anyway.
            let half = ((hi - lo) / 2.0).max(1e-300);
            scale[col] = 1.0 / half;
            shift[col] = -(lo + hi) / 2.0 / half;
        };
        if let (Some(c), Some(t)) = (layout.time(), &p.time) {
            set(c, t.lo, t.hi);
        }
        let mut space = vec![(0, 0); p.space.len()];
        for (k, s) in p.space.iter().enumerate() {
            if let Some((off, len)) = layout.space(k) {
                space[k] = (off, len);
                for (j, (lo, hi)) in s.domain.bounds().into_iter().enumerate() {
                    set(off + j, lo, hi);
                }
            }
        }
        let params: Vec<usize> = (0..p.params.len())
            .filter_map(|k| layout.param(k))
            .collect();
        for (k, pv) in p.params.iter().enumerate() {
            set(params[k], pv.lo, pv.hi);
        }
        Columns {
            time: layout.time(),
            space,
            params,
            width,
            layout,
            scale,
            shift,
            consts: ConstCache::default(),
        }
    }
}

/// The tangent directions of one forward pass and where each derivative is found.
#[derive(Clone, Debug, Default)]
pub struct Directions {
    pub dirs: Vec<InputDir>,
    /// Second-order channels: the first `k2` directions.
    pub k2: usize,
    pub first: HashMap<usize, usize>,
    pub diag: HashMap<usize, usize>,
    pub mixed: HashMap<(usize, usize), usize>,
    pub normal: Option<usize>,
    /// Point-dependent directions `[Kg, N, D]` in raw coordinates, built per batch.
    pub general_count: usize,
    /// First-order point-dependent directions (a drift `sum_i b_i(x) d(u, x[i])` is one
    /// Jacobian-vector product along `b`): where they start among `dirs`.
    pub jvp_start: usize,
}

impl Directions {
    /// Second-order unit directions, then mixed pairs, then `extra_general` point-dependent
    /// second-order directions (factor columns); then first-order only: the normal,
    /// `extra_first` point-dependent directions, unit directions.
    pub fn new(
        needs: &Needs,
        cols: &Columns,
        extra_general: usize,
        extra_unit_diag: &BTreeSet<usize>,
        extra_first: usize,
    ) -> Directions {
        let mut d = Directions::default();
        let diag: BTreeSet<usize> = needs.diag.union(extra_unit_diag).copied().collect();
        for c in &diag {
            d.diag.insert(*c, d.dirs.len());
            d.first.insert(*c, d.dirs.len());
            d.dirs.push(InputDir::Unit {
                col: *c,
                scale: cols.scale[*c],
            });
        }
        for pair in &needs.mixed {
            d.mixed.insert(*pair, d.dirs.len());
            d.dirs.push(InputDir::General(d.general_count));
            d.general_count += 1;
        }
        for _ in 0..extra_general {
            d.dirs.push(InputDir::General(d.general_count));
            d.general_count += 1;
        }
        d.k2 = d.dirs.len();
        if needs.normal {
            d.normal = Some(d.dirs.len());
            d.dirs.push(InputDir::General(d.general_count));
            d.general_count += 1;
        }
        d.jvp_start = d.dirs.len();
        for _ in 0..extra_first {
            d.dirs.push(InputDir::General(d.general_count));
            d.general_count += 1;
        }
        for c in &needs.first {
            if !d.first.contains_key(c) {
                d.first.insert(*c, d.dirs.len());
                d.dirs.push(InputDir::Unit {
                    col: *c,
                    scale: cols.scale[*c],
                });
            }
        }
        d
    }

    /// First index of the extra general directions (factor columns).
    pub fn factor_start(&self) -> usize {
        self.diag.len() + self.mixed.len()
    }
}

/// The network's output on a batch: value `[N]`, tangents `[K, N]`, channels `[K2, N]` (or
/// the summed channel `[N]`).
pub struct Outputs {
    pub f: Tensor,
    pub t: Option<Tensor>,
    /// Per-direction second-order channels `[K2, N]`.
    pub s: Option<Tensor>,
    /// The summed channel `sum_k w_k v_k^T H v_k` `[N]`, when one was asked for.
    pub sum: Option<Tensor>,
}

/// Points of one batch in raw coordinates, with what the evaluator needs of them.
pub struct Batch<'a> {
    pub x: Tensor,
    pub normals: Option<Tensor>,
    pub out: &'a Outputs,
    pub dirs: &'a Directions,
}

/// Normalised inputs `z = scale * x + shift`.
pub fn normalise(x: &Tensor, cols: &Columns) -> Result<Tensor> {
    let dev = x.device();
    let dt = x.dtype();
    let sc = cols.consts.floats(&cols.scale, &[1, cols.width], dev, dt)?;
    let sh = cols.consts.floats(&cols.shift, &[1, cols.width], dev, dt)?;
    x.broadcast_mul(&sc)?.broadcast_add(&sh)
}

/// Runs the network on raw points with the given directions. `general` holds the
/// point-dependent directions in raw coordinates `[Kg, N, D]` (mixed pairs first, then the
/// caller's); mixed-pair rows are filled here.
pub fn forward(
    net: &Net,
    cols: &Columns,
    x: &Tensor,
    dirs: &Directions,
    extra: Option<&Tensor>,
    normals: Option<&Tensor>,
    jvps: Option<&Tensor>,
) -> Result<Outputs> {
    forward_with(net, cols, x, dirs, extra, normals, jvps, None, None)
}

/// [`forward`], carrying the second-order directions' weighted sum (the summed channel) instead
/// of one channel each when `summed` is given.
#[allow(clippy::too_many_arguments)]
pub fn forward_with(
    net: &Net,
    cols: &Columns,
    x: &Tensor,
    dirs: &Directions,
    extra: Option<&Tensor>,
    normals: Option<&Tensor>,
    jvps: Option<&Tensor>,
    summed: Option<SumWeights>,
    projections: Option<&Projections>,
) -> Result<Outputs> {
    let n = x.dim(0)?;
    let (dev, dt) = (x.device().clone(), x.dtype());
    let z = normalise(x, cols)?;
    let sc = cols
        .consts
        .floats(&cols.scale, &[1, 1, cols.width], &dev, dt)?;
    let mut parts: Vec<Tensor> = Vec::new();
    if !dirs.mixed.is_empty() {
        let mut pairs: Vec<(&(usize, usize), &usize)> = dirs.mixed.iter().collect();
        pairs.sort_by_key(|(_, k)| **k);
        let mut data = vec![0.0f64; pairs.len() * cols.width];
        for (r, ((a, b), _)) in pairs.iter().enumerate() {
            data[r * cols.width + a] = 1.0;
            data[r * cols.width + b] = 1.0;
        }
        let m = cols
            .consts
            .floats(&data, &[pairs.len(), 1, cols.width], &dev, dt)?;
        parts.push(m.broadcast_as((pairs.len(), n, cols.width))?.contiguous()?);
    }
    if let Some(e) = extra {
        parts.push(e.clone());
    }
    if let Some(nm) = normals {
        parts.push(nm.unsqueeze(0)?);
    }
    if let Some(j) = jvps {
        parts.push(j.clone());
    }
    let general = match parts.len() {
        0 => None,
        _ => Some(Tensor::cat(&parts, 0)?.broadcast_mul(&sc)?),
    };
    let jet = net.forward(&InputJet {
        z,
        dirs: dirs.dirs.clone(),
        general,
        k2: dirs.k2,
        summed: summed.clone(),
        consts: cols.consts.clone(),
        antithetic: None,
        projections: projections.cloned(),
    })?;
    let f = jet.v.squeeze(1)?;
    let t = jet.t.map(|t| t.squeeze(2)).transpose()?;
    let (s, sum) = match summed {
        // A zero channel (no second-order direction reached the output) is `None`: zeros.
        Some(_) => (
            None,
            Some(match jet.s {
                Some(s) => s.squeeze(1)?,
                None => Tensor::zeros(n, x.dtype(), x.device())?,
            }),
        ),
        None => (jet.s.map(|s| s.squeeze(2)).transpose()?, None),
    };
    Ok(Outputs { f, t, s, sum })
}

/// The network at the Monte Carlo estimator's antithetic pairs `[x + v_1, x - v_1, ...,
/// x + v_P, x - v_P]` (`x` `[N, D]`, `v` `[P N, D]` in raw coordinates) with the directional
/// derivative along `v_j` at both points of pair `j`: values `[2 P N]` and that one tangent
/// `[1, 2 P N]`, in that row order (see [`InputJet::antithetic`]); with `tangent` false, the
/// values alone.
pub fn forward_antithetic(
    net: &Net,
    cols: &Columns,
    x: &Tensor,
    v: &Tensor,
    tangent: bool,
    projections: Option<&Projections>,
) -> Result<Outputs> {
    let (dev, dt) = (x.device().clone(), x.dtype());
    let sc = cols
        .consts
        .floats(&cols.scale, &[1, cols.width], &dev, dt)?;
    let jet = net.forward(&InputJet {
        z: normalise(x, cols)?,
        dirs: match tangent {
            true => vec![InputDir::General(0)],
            false => Vec::new(),
        },
        general: None,
        k2: 0,
        summed: None,
        consts: cols.consts.clone(),
        antithetic: Some(v.broadcast_mul(&sc)?),
        projections: projections.cloned(),
    })?;
    Ok(Outputs {
        f: jet.v.squeeze(1)?,
        t: jet.t.map(|t| t.squeeze(2)).transpose()?,
        s: None,
        sum: None,
    })
}

/// A node free of derivatives of the network at points `x` `[N, D]`, with the network's
/// output given as `f` `[N]`: `[N]` (an exact solution, an obstacle with `f` anything; an
/// ansatz, or a condition's residual under one, with the network's values or test draws).
pub fn eval_with_values(
    p: &Problem,
    cols: &Columns,
    node: NodeId,
    x: &Tensor,
    f: &Tensor,
) -> Result<Tensor> {
    let n = x.dim(0)?;
    let out = Outputs {
        f: f.clone(),
        t: None,
        s: None,
        sum: None,
    };
    let dirs = Directions::default();
    let mut ev = Evaluator::new(
        p,
        cols,
        Batch {
            x: x.clone(),
            normals: None,
            out: &out,
            dirs: &dirs,
        },
    );
    per_point(&ev.eval(node)?, n)
}

/// A node's value as `[N]`: constant nodes evaluate to a scalar, broadcast here.
pub fn per_point(v: &Tensor, n: usize) -> Result<Tensor> {
    if v.dims() == [n] {
        Ok(v.clone())
    } else {
        v.broadcast_as(n)?.contiguous()
    }
}

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

    fn tangent(&self, k: usize) -> Result<Tensor> {
        let t = self
            .batch
            .out
            .t
            .as_ref()
            .ok_or_else(|| err("invariant: tangents were requested"))?;
        t.get(k)
    }

    fn channel(&self, k: usize) -> Result<Tensor> {
        let s = self
            .batch
            .out
            .s
            .as_ref()
            .ok_or_else(|| err("invariant: second-order channels were requested"))?;
        s.get(k)
    }

    fn first(&self, col: usize) -> Result<Tensor> {
        let k = *self
            .batch
            .dirs
            .first
            .get(&col)
            .ok_or_else(|| err("invariant: first derivative requested"))?;
        self.tangent(k)
    }

    fn second(&self, a: usize, b: usize) -> Result<Tensor> {
        let d = self.batch.dirs;
        let diag = |c: usize| -> Result<Tensor> {
            let k = *d
                .diag
                .get(&c)
                .ok_or_else(|| err("invariant: diagonal second derivative requested"))?;
            self.channel(k)
        };
        if a == b {
            return diag(a);
        }
        // Polarization: H_ab = ((e_a + e_b)^T H (e_a + e_b) - H_aa - H_bb) / 2.
        let k = *d
            .mixed
            .get(&(a.min(b), a.max(b)))
            .ok_or_else(|| err("invariant: mixed derivative requested"))?;
        ((self.channel(k)? - diag(a)?)? - diag(b)?)?.affine(0.5, 0.0)
    }

    fn deriv(&self, coords: &[Coord], ty: &Ty) -> Result<Tensor> {
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
                        .map(|col| self.first(*col))
                        .collect::<Result<_>>()?;
                    Tensor::stack(&ts, 1)?
                } else {
                    self.first(cols[0][0])?
                }
            }
            [a, b] => {
                let same = a == b && axis_of(a).is_some();
                if same {
                    let ts: Vec<Tensor> = cols[0]
                        .iter()
                        .map(|c| self.second(*c, *c))
                        .collect::<Result<_>>()?;
                    Tensor::stack(&ts, 1)?
                } else {
                    let mut rows = Vec::new();
                    for x in &cols[0] {
                        let row: Vec<Tensor> = cols[1]
                            .iter()
                            .map(|y| self.second(*x, *y))
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

    pub fn eval(&mut self, id: NodeId) -> Result<Tensor> {
        if let Some(t) = self.cache.get(&id) {
            return Ok(t.clone());
        }
        let v = self.compute(id)?;
        self.cache.insert(id, v.clone());
        Ok(v)
    }

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
            Op::Input(i) => {
                let (off, len) = match i {
                    Input::Time => (
                        self.cols
                            .time
                            .ok_or_else(|| err("invariant: time column"))?,
                        1,
                    ),
                    Input::Space(k) => self.cols.space[k],
                    Input::Param(k) => (self.cols.params[k], 1),
                };
                let x = self.batch.x.narrow(1, off, len)?;
                if ty.shape == Shape::Scalar {
                    x.squeeze(1)?
                } else {
                    x.contiguous()?
                }
            }
            Op::U => self.batch.out.f.clone(),
            Op::Deriv(coords) => self.deriv(&coords, &ty)?,
            Op::Normal(k) => {
                let (off, len) = self.cols.space[k];
                let n = self
                    .batch
                    .normals
                    .as_ref()
                    .ok_or_else(|| err("invariant: a face's normal off the faces"))?
                    .narrow(1, off, len)?;
                if ty.shape == Shape::Scalar {
                    n.squeeze(1)?
                } else {
                    n.contiguous()?
                }
            }
            Op::NormalDeriv => {
                let k = self
                    .batch
                    .dirs
                    .normal
                    .ok_or_else(|| err("invariant: normal direction requested"))?;
                self.tangent(k)?
            }
            Op::Unary(op, a) => {
                let x = self.eval(a)?;
                match op {
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
                    UnOp::Not => x.eq(0.0)?.to_dtype(dt)?,
                }
            }
            Op::Binary(op, a, b) => {
                let (ta, tb) = (g.ty(a).clone(), g.ty(b).clone());
                let x = self.eval(a)?;
                let y = self.eval(b)?;
                // Constant exponents keep their own fast, exact forms.
                if op == BinOp::Pow
                    && let Some(e) = g.as_const(b)
                {
                    let x = self.align(&x, &ta, &ty)?;
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
                let x = self.align(&x, &ta, &ty)?;
                let y = self.align(&y, &tb, &ty)?;
                match op {
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
                }
            }
            Op::Select(c, a, b) => {
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
                c.where_cond(&self.align(&x, &ta, &ty)?, &self.align(&y, &tb, &ty)?)?
            }
            Op::Index(base, sels) => self.index(base, &sels, &ty)?,
            Op::Reduce(r, axes, body) => {
                let tb = g.ty(body).clone();
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
                match r {
                    RedOp::Sum => x.sum(dims)?,
                    RedOp::Prod => {
                        let mut v = x;
                        for d in dims.iter().rev() {
                            v = prod_dim(&v, *d)?;
                        }
                        v
                    }
                }
            }
            Op::ReduceVec(r, v) => {
                let x = self.eval(v)?;
                let last = x.rank() - 1;
                match r {
                    VecRed::Sum => x.sum(last)?,
                    VecRed::Mean => x.mean(last)?,
                    VecRed::Max => x.max(last)?,
                    VecRed::Min => x.min(last)?,
                    VecRed::Prod => prod_dim(&x, last)?,
                }
            }
            Op::Stack(items) => {
                let item_ty = Ty {
                    shape: Shape::Scalar,
                    ..ty.clone()
                };
                let mut parts = Vec::new();
                for i in items {
                    let ti = g.ty(i).clone();
                    let v = self.eval(i)?;
                    parts.push(self.align(&v, &ti, &item_ty)?);
                }
                Tensor::stack(&parts, ty.axes.len() + 1)?
            }
        })
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
                    x = x.narrow(pos, off, len)?;
                    if order.contains(&Some(a)) {
                        return Err(err(
                            "indexing with an axis the value already has is not supported",
                        ));
                    }
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
