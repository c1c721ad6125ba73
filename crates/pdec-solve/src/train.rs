//! Stage 7b, train: the loss of every named term on freshly sampled points, and the
//! optimisation loop (Adam with a learning-rate schedule and optional clipping).
//!
//! The PDE term's residual is the sum of the analysis' terms: most are evaluated from the IR
//! on one forward pass of the network's jet; second-order terms factored as `C = B B^T` take
//! either the exact path (second-order channels along the columns of `B`) or the Monte Carlo
//! path (METHOD.md section 4): the antithetic estimator with two independent draws `w, w~`,
//! and the loss `2 mean(detach(A(w)) A(w~))`, whose gradient is unbiased for that of
//! `mean(A^2)`.

use crate::adaptive::Pool;
use crate::distributed::Comm;
use crate::jet::SumWeights;
use crate::lower::{self, Batch, Columns, Directions, Evaluator, Needs, Outputs};
use crate::nn::{self, Net, Projections};
use candle_core::{DType, Device, Result, Tensor, Var};
use pdec_lang::geometry::{self, Layout};
use pdec_lang::ir::{NodeId, Problem};
use pdec_lang::passes::Analysis;
use pdec_lang::passes::gradient_square::GradientSquareTerm;
use pdec_lang::passes::second_order::{Factor, Lower, Path, TermClass};
use pdec_lang::plan::{LossTerm, Plan, Region, TermKind};
use pdec_lang::settings::{FreeBoundaryLoss, McDifference, McNoise, Schedule, Settings};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use std::collections::BTreeSet;

fn err(msg: impl Into<String>) -> candle_core::Error {
    candle_core::Error::Msg(msg.into())
}

/// A second-order term computed through its factor.
#[derive(Clone, Debug)]
struct FactorTerm {
    factor: Factor,
    path: Path,
}

/// A drift term `coef * sum(i) c_1[i] * ... * d(u, x[i])`: one Jacobian-vector product
/// along `b = coef * c_1 * ...` instead of one tangent per component.
#[derive(Clone, Debug)]
struct Drift {
    coef: f64,
    factors: Vec<NodeId>,
    var: usize,
    offset: usize,
    /// Components the index ranges over.
    len: usize,
}

fn flatten_product(g: &pdec_lang::ir::Graph, n: NodeId, coef: &mut f64, out: &mut Vec<NodeId>) {
    match g.op(n) {
        pdec_lang::ir::Op::Binary(pdec_lang::ir::BinOp::Mul, a, b) => {
            flatten_product(g, *a, coef, out);
            flatten_product(g, *b, coef, out);
        }
        pdec_lang::ir::Op::Unary(pdec_lang::ir::UnOp::Neg, a) => {
            *coef = -*coef;
            flatten_product(g, *a, coef, out);
        }
        pdec_lang::ir::Op::Const(c) if g.ty(n).axes.is_empty() => *coef *= c.0,
        _ => out.push(n),
    }
}

/// Recognises `sum(i in r) coef * c[i] * ... * d(u, x[i])` with coefficients free of `u`.
fn drift_of(p: &Problem, node: NodeId) -> Option<Drift> {
    use pdec_lang::ir::{Comp, Coord, Op, RedOp};
    let g = &p.graph;
    let mut coef = 1.0;
    let mut outer = Vec::new();
    flatten_product(g, node, &mut coef, &mut outer);
    let [reduce] = outer.as_slice() else {
        return None;
    };
    let Op::Reduce(RedOp::Sum, axes, body) = g.op(*reduce) else {
        return None;
    };
    let [axis] = axes.as_slice() else { return None };
    let mut factors = Vec::new();
    flatten_product(g, *body, &mut coef, &mut factors);
    let (u, rest): (Vec<NodeId>, Vec<NodeId>) =
        factors.iter().partition(|f| g.depends_on_unknown(**f));
    let [d] = u.as_slice() else { return None };
    let Op::Deriv(coords) = g.op(*d) else {
        return None;
    };
    let [
        Coord::Space {
            var,
            comp: Comp::Axis(a, offset),
        },
    ] = coords.as_slice()
    else {
        return None;
    };
    if a != axis {
        return None;
    }
    let plain = rest.iter().all(|f| {
        let t = g.ty(*f);
        t.shape == pdec_lang::ir::Shape::Scalar && !t.boolean && t.axes.iter().all(|x| x == axis)
    });
    plain.then(|| Drift {
        coef,
        factors: rest,
        var: *var,
        offset: *offset,
        len: g.axis(*a).len(),
    })
}

/// How the PDE residual is assembled.
struct PdeProgram {
    /// Terms evaluated from the IR.
    ir_terms: Vec<NodeId>,
    drifts: Vec<Drift>,
    factors: Vec<FactorTerm>,
    /// Gradient squares on the Monte Carlo path: `(w . grad u)^2 / delta` from one
    /// directional derivative per draw in the base pass (after the drifts' ones).
    squares: Vec<GradientSquareTerm>,
    /// Independent estimates of the residual per step: 2 with a Monte Carlo term, else 1.
    estimates: usize,
    dirs: Directions,
    /// The exact-path factor terms are the only second derivatives read: carry their
    /// weighted sum as one channel instead of one channel per direction ([`crate::jet`]).
    summed: bool,
}

/// One condition's program.
struct ConditionProgram {
    needs: Needs,
    dirs: Directions,
    /// A periodic condition under an ansatz: the ansatz's derivative across the periodic
    /// coordinate (its value is the term's residual). Both must agree on the two faces, and
    /// the network's own values and slope need not: `x + t * net` is not periodic in `x`
    /// where `net` is.
    periodic_slope: Option<NodeId>,
}

/// Everything needed to compute the losses of one problem, built once before training.
pub struct LossProgram<'a> {
    pub problem: &'a Problem,
    pub plan: &'a Plan,
    pub settings: &'a Settings,
    pub cols: Columns,
    pub layout: Layout,
    pde: PdeProgram,
    conditions: Vec<Option<ConditionProgram>>,
    /// The sign the residual must have where the constraint is active, if known.
    active_sign: Option<f64>,
    pub device: Device,
    pub dtype: DType,
    /// This process's rank and the number of ranks: it trains on its slice of every
    /// global batch (`distributed`).
    pub shard: (usize, usize),
    /// Threads that each train on a contiguous slice of this rank's rows, their gradients
    /// summed (CPU only; see [`train_step`]).
    pub workers: usize,
}

/// A batch's points `[N, D]` (and face normals) on the device.
#[derive(Clone, Debug)]
pub struct Uploaded {
    pub x: Tensor,
    pub normals: Option<Tensor>,
}

/// The losses of one step: one scalar per plan term, in plan order.
pub struct StepLosses {
    pub terms: Vec<Tensor>,
    /// The stacked input products of the step's passes: part of the input weights' gradients
    /// comes from them after backward ([`nn::parameter_gradients`]).
    pub projections: Vec<Projections>,
}

impl<'a> LossProgram<'a> {
    pub fn new(
        problem: &'a Problem,
        plan: &'a Plan,
        analysis: &Analysis,
        settings: &'a Settings,
        device: Device,
    ) -> std::result::Result<LossProgram<'a>, String> {
        let cols = Columns::new(problem);
        let layout = Layout::with_settings(problem, settings);
        let dtype = match settings.dtype {
            pdec_lang::settings::DType::F32 => DType::F32,
            pdec_lang::settings::DType::F64 => DType::F64,
        };
        let mut ir_terms = Vec::new();
        let mut drifts = Vec::new();
        let mut factors = Vec::new();
        let mut squares = Vec::new();
        let mut so = analysis.second_order.iter();
        for t in &analysis.terms {
            if let Some(q) = analysis
                .gradient_squares
                .iter()
                .find(|q| q.node == t.node && q.path == Path::MonteCarlo)
            {
                squares.push(q.clone());
                continue;
            }
            if t.class == TermClass::SecondOrder {
                let s = so
                    .next()
                    .ok_or("invariant: one second-order entry per second-order term")?;
                if let Ok(f) = &s.factor {
                    factors.push(FactorTerm {
                        factor: f.clone(),
                        path: s.path,
                    });
                    continue;
                }
            }
            if t.class == TermClass::FirstOrder
                && let Some(d) = drift_of(problem, t.node)
            {
                drifts.push(d);
                continue;
            }
            ir_terms.push(t.node);
        }
        let mut needs = Needs::default();
        let mut roots = ir_terms.clone();
        for f in &factors {
            roots.extend(f.factor.scale);
            roots.extend(f.factor.diag.as_ref().map(|d| d.node));
        }
        if let Some(c) = &problem.constraint {
            roots.push(c.obstacle);
            roots.extend(problem.ansatz.as_ref().map(|a| a.node));
        }
        for d in &drifts {
            roots.extend(&d.factors);
        }
        for q in &squares {
            roots.extend(&q.factors);
        }
        needs.scan(problem, &cols, &roots)?;
        // Exact-path factors: unit second-order channels (identity, one component) or
        // point-dependent columns of B (Cholesky).
        let mut unit_diag = BTreeSet::new();
        let mut general = 0;
        for f in factors.iter().filter(|f| f.path == Path::Exact) {
            let (off, _) = cols.space[f.factor.var];
            match f.factor.lower {
                Lower::Identity { offset, len } => {
                    unit_diag.extend((0..len).map(|k| off + offset + k))
                }
                Lower::Unit { component } => {
                    unit_diag.insert(off + component);
                }
                Lower::Cholesky { rank, .. } => general += rank,
            }
        }
        // Drifts' directions, then one per Monte Carlo draw of each gradient square.
        let estimates =
            match factors.iter().any(|f| f.path == Path::MonteCarlo) || !squares.is_empty() {
                true => 2,
                false => 1,
            };
        let square_jvps = squares.len() * estimates * settings.mc_draws.max(1);
        let dirs = Directions::new(
            &needs,
            &cols,
            general,
            &unit_diag,
            drifts.len() + square_jvps,
        );
        let summed = needs.diag.is_empty()
            && needs.mixed.is_empty()
            && factors.iter().any(|f| f.path == Path::Exact);
        let mut conditions = Vec::new();
        for term in &plan.terms {
            conditions.push(match term.kind {
                TermKind::Pde | TermKind::Constraint => None,
                TermKind::Periodic => {
                    let mut n = Needs::default();
                    let mut periodic_slope = None;
                    // Values and the derivative across the periodic coordinate must agree.
                    if let Region::Periodic { var, comp } = term.region {
                        let (off, _) = cols.space[var];
                        n.first.insert(off + comp.unwrap_or(0));
                        if let Some(a) = &problem.ansatz {
                            let slope = a
                                .slope(&problem.space, var, comp)
                                .ok_or("invariant: the ansatz's gradient has every component")?;
                            n.scan(problem, &cols, &[term.residual, slope])?;
                            periodic_slope = Some(slope);
                        }
                    }
                    let d = Directions::new(&n, &cols, 0, &BTreeSet::new(), 0);
                    Some(ConditionProgram {
                        needs: n,
                        dirs: d,
                        periodic_slope,
                    })
                }
                _ => {
                    let mut n = Needs::default();
                    n.scan(problem, &cols, &[term.residual])?;
                    let d = Directions::new(&n, &cols, 0, &BTreeSet::new(), 0);
                    Some(ConditionProgram {
                        needs: n,
                        dirs: d,
                        periodic_slope: None,
                    })
                }
            });
        }
        let active_sign = problem.constraint.as_ref().and_then(|c| {
            let backward = match analysis.direction {
                pdec_lang::passes::TimeDirection::Backward => Some(true),
                pdec_lang::passes::TimeDirection::Forward => Some(false),
                pdec_lang::passes::TimeDirection::Undetermined => None,
            };
            // u >= g on a backward equation: where the obstacle binds, the residual is <= 0.
            backward.map(|b| if b == c.at_least { -1.0 } else { 1.0 })
        });
        Ok(LossProgram {
            problem,
            plan,
            settings,
            cols,
            layout,
            pde: PdeProgram {
                ir_terms,
                drifts,
                factors,
                squares,
                estimates,
                dirs,
                summed,
            },
            conditions,
            active_sign,
            device,
            dtype,
            shard: (0, 1),
            workers: 1,
        })
    }

    /// Rows `lo..hi` of a global batch of `n` rows that this rank trains on.
    pub fn rows(&self, n: usize) -> (usize, usize) {
        let (rank, size) = self.shard;
        (n * rank / size, n * (rank + 1) / size)
    }

    /// Every batch of a step and its Monte Carlo noise on the device in ONE host-to-device
    /// transfer: points, normals and noise in one buffer, then views of it.
    pub fn upload(
        &self,
        batches: &[Vec<geometry::Batch>],
        noise: &[f64],
    ) -> Result<(Vec<Vec<Uploaded>>, Option<Tensor>)> {
        let width = self.cols.width.max(1);
        let mut buf: Vec<f64> = Vec::new();
        for b in batches.iter().flatten() {
            buf.extend_from_slice(&b.points);
            if let Some(n) = &b.normals {
                buf.extend_from_slice(n);
            }
        }
        let points = buf.len();
        buf.extend_from_slice(noise);
        let len = buf.len();
        let all = Tensor::from_vec(buf, len, &self.device)?.to_dtype(self.dtype)?;
        let mut at = 0;
        let mut take = |rows: usize| -> Result<Tensor> {
            let t = all.narrow(0, at, rows * width)?.reshape((rows, width))?;
            at += rows * width;
            Ok(t)
        };
        let mut out = Vec::with_capacity(batches.len());
        for term in batches {
            let mut v = Vec::with_capacity(term.len());
            for b in term {
                let x = take(b.n)?;
                let normals = match &b.normals {
                    Some(_) => Some(take(b.n)?),
                    None => None,
                };
                v.push(Uploaded { x, normals });
            }
            out.push(v);
        }
        let noise = match noise.is_empty() {
            true => None,
            false => Some(all.narrow(0, points, noise.len())?),
        };
        Ok((out, noise))
    }

    /// Monte Carlo noise for a PDE batch of `rows` points on its own (tests).
    #[cfg(test)]
    pub fn noise_tensor(&self, rng: &mut ChaCha8Rng, rows: usize) -> Result<Option<Tensor>> {
        let w = self.draw_noise(rng, rows, self.mc_estimates());
        match w.is_empty() {
            true => Ok(None),
            false => {
                let len = w.len();
                Ok(Some(
                    Tensor::from_vec(w, len, &self.device)?.to_dtype(self.dtype)?,
                ))
            }
        }
    }

    pub fn tensor(&self, b: &geometry::Batch) -> Result<(Tensor, Option<Tensor>)> {
        let x = Tensor::from_vec(b.points.clone(), (b.n, b.width), &self.device)?
            .to_dtype(self.dtype)?;
        let nm = b
            .normals
            .as_ref()
            .map(|n| {
                Tensor::from_vec(n.clone(), (b.n, b.width), &self.device)?.to_dtype(self.dtype)
            })
            .transpose()?;
        Ok((x, nm))
    }

    /// `sqrt(s)` `[N]` and the diagonal `[N, len]` of a factor, on a batch.
    fn factor_parts(
        &self,
        ev: &mut Evaluator,
        f: &Factor,
        n: usize,
    ) -> Result<(Tensor, Option<Tensor>)> {
        let s = match f.scale {
            Some(s) => ev.eval(s)?.sqrt()?,
            None => Tensor::ones(n, self.dtype, &self.device)?,
        };
        let d = match &f.diag {
            Some(d) => {
                let v = ev.eval(d.node)?;
                Some(if d.sqrt { v.sqrt()? } else { v })
            }
            None => None,
        };
        Ok((s, d))
    }

    /// Pads `[.., N, len]` values of a space variable's components into all D columns.
    fn pad(&self, v: &Tensor, var: usize, offset: usize) -> Result<Tensor> {
        let (off, _) = self.cols.space[var];
        let start = off + offset;
        let len = v.dim(v.rank() - 1)?;
        let mut parts = Vec::new();
        let mut dims = v.dims().to_vec();
        if start > 0 {
            dims[v.rank() - 1] = start;
            parts.push(Tensor::zeros(dims.clone(), self.dtype, &self.device)?);
        }
        parts.push(v.clone());
        let after = self.cols.width - start - len;
        if after > 0 {
            dims[v.rank() - 1] = after;
            parts.push(Tensor::zeros(dims, self.dtype, &self.device)?);
        }
        Tensor::cat(&parts, v.rank() - 1)
    }

    /// The first `rank` columns of a constant Cholesky factor `L` (`len x len`) on the device:
    /// `[len, rank]`.
    fn cholesky_columns(&self, tensor: usize, len: usize, rank: usize) -> Result<Tensor> {
        self.cols
            .consts
            .graph_tensor(
                tensor,
                &self.problem.graph.tensors[tensor].data,
                &[len, len],
                &self.device,
                self.dtype,
            )?
            .narrow(1, 0, rank)
    }

    /// Columns of `B` for an exact-path Cholesky factor: `[r, N, D]` directions.
    fn cholesky_dirs(&self, ev: &mut Evaluator, f: &Factor, n: usize) -> Result<Tensor> {
        let Lower::Cholesky {
            tensor,
            offset,
            len,
            rank,
        } = f.lower
        else {
            return Err(err("invariant: a Cholesky factor"));
        };
        let (s, d) = self.factor_parts(ev, f, n)?;
        let l = self.cholesky_columns(tensor, len, rank)?; // [len, r]
        let mut b = l.unsqueeze(0)?.broadcast_as((n, len, rank))?; // [N, len, r]
        if let Some(d) = d {
            b = b.broadcast_mul(&d.unsqueeze(2)?)?;
        }
        b = b.broadcast_mul(&s.reshape((n, 1, 1))?)?;
        let v = b.permute((2, 0, 1))?.contiguous()?; // [r, N, len]
        self.pad(&v, f.var, offset)
    }

    /// The global row count of the PDE batch.
    fn pde_global_rows(&self) -> usize {
        self.plan.pde_batch()
    }

    /// Monte Carlo noise of one step for a PDE batch of `global` rows: every factor's
    /// `draws * mc_draws` draws `w ~ N(0, delta I)` (or Rademacher), each `[rows, columns]`, in
    /// that order, drawn for the global batch and cut to this rank's rows so that the draws do
    /// not depend on the number of ranks. Drawn on the host so that runs are reproducible on
    /// every device; [`LossProgram::upload`] sends it with the points in one transfer.
    pub fn draw_noise(&self, rng: &mut ChaCha8Rng, global: usize, draws: usize) -> Vec<f64> {
        let (lo, hi) = self.rows(global);
        self.draw_noise_rows(rng, global, draws, lo, hi)
    }

    /// [`LossProgram::draw_noise`] cut to rows `lo..hi` of the `global` drawn.
    fn draw_noise_rows(
        &self,
        rng: &mut ChaCha8Rng,
        global: usize,
        draws: usize,
        lo: usize,
        hi: usize,
    ) -> Vec<f64> {
        let sd = self.settings.mc_delta().unwrap_or(1e-3).sqrt();
        let mut out = Vec::new();
        for cols in self.noise_blocks(draws) {
            let w: Vec<f64> = match self.settings.mc_noise {
                McNoise::Gaussian => (0..global * cols)
                    .map(|_| sd * Distribution::<f64>::sample(&StandardNormal, rng))
                    .collect(),
                McNoise::Rademacher => (0..global * cols)
                    .map(|_| if rng.random::<bool>() { sd } else { -sd })
                    .collect(),
            };
            out.extend_from_slice(&w[lo * cols..hi * cols]);
        }
        out
    }

    /// The columns of each block of a step's Monte Carlo noise, in order: each Monte Carlo
    /// factor's `draws * mc_draws` draws, then each Monte Carlo gradient square's.
    fn noise_blocks(&self, draws: usize) -> Vec<usize> {
        let per = self.settings.mc_draws.max(1);
        self.pde
            .factors
            .iter()
            .filter(|f| f.path == Path::MonteCarlo)
            .map(|f| f.factor.columns())
            .chain(self.pde.squares.iter().map(|q| q.len))
            .flat_map(|cols| std::iter::repeat_n(cols, draws * per))
            .collect()
    }

    /// Rows `lo..hi` of noise drawn by [`LossProgram::draw_noise`] for `rows` rows (its
    /// blocks, one per factor and draw, each cut the same way).
    fn noise_rows(&self, noise: &[f64], rows: usize, lo: usize, hi: usize) -> Vec<f64> {
        let mut out = Vec::new();
        let mut at = 0;
        for cols in self.noise_blocks(self.mc_estimates()) {
            out.extend_from_slice(&noise[at + lo * cols..at + hi * cols]);
            at += rows * cols;
        }
        out
    }

    /// The number of threads a step uses: `workers`, but never more than the PDE's rows on
    /// this rank (a term with fewer rows than threads goes whole to the first thread).
    pub fn effective_workers(&self, batches: &[Vec<geometry::Batch>]) -> usize {
        let pde_rows = self
            .plan
            .terms
            .iter()
            .position(|t| t.kind == TermKind::Pde)
            .and_then(|k| batches.get(k)?.first().map(|b| b.n))
            .unwrap_or(1);
        self.workers.clamp(1, pde_rows.max(1))
    }

    /// Draws for the PDE batch (`2` with a Monte Carlo term: two independent estimates).
    fn mc_estimates(&self) -> usize {
        self.pde.estimates
    }

    /// `v = B w` for one Monte Carlo draw `w` `[N, columns]`: `[N, D]`.
    fn mc_direction(&self, ev: &mut Evaluator, f: &Factor, n: usize, w: Tensor) -> Result<Tensor> {
        let (s, d) = self.factor_parts(ev, f, n)?;
        let (v, offset) = match f.lower {
            Lower::Identity { offset, .. } => (w, offset),
            Lower::Unit { component } => (w, component),
            Lower::Cholesky {
                tensor,
                offset,
                len,
                rank,
            } => {
                let l = self.cholesky_columns(tensor, len, rank)?;
                (w.matmul(&l.t()?)?, offset) // [N, len]
            }
        };
        let mut v = v;
        if let Some(d) = d {
            v = (v * d)?;
        }
        v = v.broadcast_mul(&s.unsqueeze(1)?)?;
        self.pad(&v, f.var, offset)
    }

    /// The exact value of a factored second-order term from the base pass.
    fn exact_factor_value(
        &self,
        ev: &mut Evaluator,
        f: &Factor,
        n: usize,
        general_start: usize,
    ) -> Result<Tensor> {
        let (off, _) = self.cols.space[f.var];
        let value = match f.lower {
            Lower::Identity { offset, len } => {
                let (s, d) = self.factor_parts(ev, f, n)?;
                let h: Vec<Tensor> = (0..len)
                    .map(|k| ev_second(ev, off + offset + k))
                    .collect::<Result<_>>()?;
                let h = Tensor::stack(&h, 1)?; // [N, len]
                let h = match d {
                    Some(d) => (h * d.sqr()?)?,
                    None => h,
                };
                (h.sum(1)? * s.sqr()?)?
            }
            Lower::Unit { component } => {
                let (s, _) = self.factor_parts(ev, f, n)?;
                (ev_second(ev, off + component)? * s.sqr()?)?
            }
            Lower::Cholesky { rank, .. } => {
                let ch = ev
                    .batch
                    .out
                    .s
                    .as_ref()
                    .ok_or_else(|| err("invariant: channels for factor columns"))?;
                ch.narrow(0, general_start, rank)?.sum(0)?
            }
        };
        value.affine(f.sign, 0.0)
    }

    /// Weights of the summed channel, one per second-order direction, so that the channel is
    /// the sum of every exact factor term: `sign * s * d_k^2` on a coordinate direction (the
    /// Cholesky columns carry `sqrt(s) D` in the direction, so their weight is the sign).
    /// Returns `(weights, c)`: when all weights are the same constant `c`, no weight tensor
    /// and the caller scales the channel by `c`.
    fn sum_weights(&self, pre: &mut Evaluator, n: usize) -> Result<(SumWeights, f64)> {
        enum W {
            Const(f64),
            Points(Tensor),
        }
        fn add(w: &mut W, v: W) -> Result<()> {
            *w = match (&*w, v) {
                (W::Const(a), W::Const(b)) => W::Const(a + b),
                (W::Const(a), W::Points(t)) => W::Points(t.affine(1.0, *a)?),
                (W::Points(t), W::Const(b)) => W::Points(t.affine(1.0, b)?),
                (W::Points(a), W::Points(b)) => W::Points((a + &b)?),
            };
            Ok(())
        }
        let dirs = &self.pde.dirs;
        let mut w: Vec<W> = (0..dirs.k2).map(|_| W::Const(0.0)).collect();
        let mut general = dirs.factor_start();
        for f in self.pde.factors.iter().filter(|f| f.path == Path::Exact) {
            let f = &f.factor;
            let scale = match f.scale {
                Some(s) => Some(lower::per_point(&pre.eval(s)?, n)?),
                None => None,
            };
            let base = |extra: Option<Tensor>| -> Result<W> {
                let t = match (&scale, extra) {
                    (None, None) => return Ok(W::Const(f.sign)),
                    (Some(s), None) => s.clone(),
                    (None, Some(e)) => e,
                    (Some(s), Some(e)) => (s * e)?,
                };
                Ok(W::Points(t.affine(f.sign, 0.0)?))
            };
            let (off, _) = self.cols.space[f.var];
            let slot = |col: usize| -> Result<usize> {
                dirs.diag
                    .get(&col)
                    .copied()
                    .ok_or_else(|| err("invariant: a second-order direction per factor column"))
            };
            match f.lower {
                Lower::Identity { offset, len } => {
                    // d_k^2: the node itself when D is its square root.
                    let d2 = match &f.diag {
                        Some(d) => {
                            let v = pre.eval(d.node)?.broadcast_as((n, len))?;
                            Some(if d.sqrt { v } else { v.sqr()? })
                        }
                        None => None,
                    };
                    for k in 0..len {
                        let dk = d2
                            .as_ref()
                            .map(|d| d.narrow(1, k, 1)?.squeeze(1))
                            .transpose()?;
                        add(&mut w[slot(off + offset + k)?], base(dk)?)?;
                    }
                }
                Lower::Unit { component } => add(&mut w[slot(off + component)?], base(None)?)?,
                Lower::Cholesky { rank, .. } => {
                    for k in 0..rank {
                        add(&mut w[general + k], W::Const(f.sign))?;
                    }
                    general += rank;
                }
            }
        }
        if let Some(W::Const(c)) = w.first()
            && w.iter().all(|x| matches!(x, W::Const(b) if b == c))
        {
            return Ok((SumWeights(None), *c));
        }
        let rows: Vec<Tensor> = w
            .into_iter()
            .map(|x| match x {
                W::Const(c) => Tensor::full(c, n, &self.device)?.to_dtype(self.dtype),
                W::Points(t) => Ok(t),
            })
            .collect::<Result<_>>()?;
        let rows = Tensor::stack(&rows, 0)?.unsqueeze(2)?; // [K2, N, 1]
        Ok((SumWeights(Some(rows)), 1.0))
    }

    /// The PDE residual on a batch, with Monte Carlo terms estimated from `draws` independent
    /// draws: returns one residual per draw (or one when there is no Monte Carlo term), the
    /// unknown's value `[N]` (the network's, or under an ansatz with a constraint the
    /// ansatz's) and the obstacle `[N]` when there is a constraint. Weight by weight
    /// products (the tests compare with it; training stacks them, [`LossProgram::losses`]).
    #[cfg(test)]
    fn pde_residuals(
        &self,
        net: &Net,
        x: &Tensor,
        noise: Option<&Tensor>,
        draws: usize,
    ) -> Result<(Vec<Tensor>, Tensor, Option<Tensor>)> {
        self.pde_residuals_with(net, x, noise, draws, &Projections::default())
    }

    /// [`LossProgram::pde_residuals`] with the value pass and the antithetic passes sharing
    /// `projections` (the points' products with the input weights).
    fn pde_residuals_with(
        &self,
        net: &Net,
        x: &Tensor,
        noise: Option<&Tensor>,
        draws: usize,
        projections: &Projections,
    ) -> Result<(Vec<Tensor>, Tensor, Option<Tensor>)> {
        let n = x.dim(0)?;
        // Exact-path Cholesky directions depend on the points: evaluate their factors first
        // on a network-free evaluator (they never involve the unknown).
        let zero = Outputs {
            f: Tensor::zeros(n, self.dtype, &self.device)?,
            t: None,
            s: None,
            sum: None,
        };
        let empty_dirs = Directions::default();
        let mut pre = Evaluator::new(
            self.problem,
            &self.cols,
            Batch {
                x: x.clone(),
                normals: None,
                out: &zero,
                dirs: &empty_dirs,
            },
        );
        let mut extra = Vec::new();
        for f in self.pde.factors.iter().filter(|f| f.path == Path::Exact) {
            if matches!(f.factor.lower, Lower::Cholesky { .. }) {
                extra.push(self.cholesky_dirs(&mut pre, &f.factor, n)?);
            }
        }
        let extra = if extra.is_empty() {
            None
        } else {
            Some(Tensor::cat(&extra, 0)?)
        };
        // Drift directions b(x) `[nd, N, D]`.
        let mut jv = Vec::new();
        for d in &self.pde.drifts {
            let mut b: Option<Tensor> = None;
            for f in &d.factors {
                let v = pre.eval(*f)?;
                let v = if v.rank() == 1 { v.unsqueeze(1)? } else { v };
                b = Some(match b {
                    None => v,
                    Some(p) => p.broadcast_mul(&v)?,
                });
            }
            let b = match b {
                Some(b) => b.broadcast_as((n, d.len))?.contiguous()?,
                None => Tensor::ones((n, d.len), self.dtype, &self.device)?,
            };
            jv.push(self.pad(&(b * d.coef)?.unsqueeze(0)?, d.var, d.offset)?);
        }
        // Gradient squares' draws `w` `[N, len]`, read after the factors' noise blocks.
        let per = self.settings.mc_draws.max(1);
        if !self.pde.squares.is_empty() {
            let noise = noise.ok_or_else(|| err("invariant: noise for the gradient squares"))?;
            let mut at: usize = self
                .pde
                .factors
                .iter()
                .filter(|f| f.path == Path::MonteCarlo)
                .map(|f| f.factor.columns() * n * draws * per)
                .sum();
            for q in &self.pde.squares {
                for _ in 0..draws * per {
                    let w = noise.narrow(0, at, n * q.len)?.reshape((1, n, q.len))?;
                    at += n * q.len;
                    jv.push(self.pad(&w, q.var, q.offset)?);
                }
            }
        }
        let jvps = if jv.is_empty() {
            None
        } else {
            Some(Tensor::cat(&jv, 0)?)
        };
        let summed = match self.pde.summed {
            true => Some(self.sum_weights(&mut pre, n)?),
            false => None,
        };
        // The value pass and the antithetic passes below are at the same points.
        let out = lower::forward_with(
            net,
            &self.cols,
            x,
            &self.pde.dirs,
            extra.as_ref(),
            None,
            jvps.as_ref(),
            summed.as_ref().map(|(w, _)| w.clone()),
            Some(projections),
        )?;
        let mut ev = Evaluator::new(
            self.problem,
            &self.cols,
            Batch {
                x: x.clone(),
                normals: None,
                out: &out,
                dirs: &self.pde.dirs,
            },
        );
        let mut rest = Tensor::zeros(n, self.dtype, &self.device)?;
        for t in &self.pde.ir_terms {
            let v = ev.eval(*t)?;
            rest = (rest + lower::per_point(&v, n)?)?;
        }
        for k in 0..self.pde.drifts.len() {
            let t = out
                .t
                .as_ref()
                .ok_or_else(|| err("invariant: drift tangents"))?;
            rest = (rest + t.get(self.pde.dirs.jvp_start + k)?)?;
        }
        if let Some((_, c)) = &summed {
            let sum = out
                .sum
                .as_ref()
                .ok_or_else(|| err("invariant: the summed channel was asked for"))?;
            rest = (rest + sum.affine(*c, 0.0)?)?;
        } else {
            let mut general_start = self.pde.dirs.factor_start();
            for f in self.pde.factors.iter().filter(|f| f.path == Path::Exact) {
                rest = (rest + self.exact_factor_value(&mut ev, &f.factor, n, general_start)?)?;
                if let Lower::Cholesky { rank, .. } = f.factor.lower {
                    general_start += rank;
                }
            }
        }
        let obstacle = match &self.problem.constraint {
            Some(c) => Some(lower::per_point(&ev.eval(c.obstacle)?, n)?),
            None => None,
        };
        // The constraint bounds the unknown: under an ansatz that is the ansatz's value,
        // not the network's output.
        let u = match (&obstacle, &self.problem.ansatz) {
            (Some(_), Some(a)) => lower::per_point(&ev.eval(a.node)?, n)?,
            _ => out.f.clone(),
        };
        let mc: Vec<&FactorTerm> = self
            .pde
            .factors
            .iter()
            .filter(|f| f.path == Path::MonteCarlo)
            .collect();
        if mc.is_empty() && self.pde.squares.is_empty() {
            return Ok((vec![rest], u, obstacle));
        }
        let delta = self.settings.mc_delta().unwrap_or(1e-3);
        let mut residuals = vec![rest.clone(); draws];
        // Gradient squares: draw r's estimate `coef * c * mean_j (w_j . grad u)^2 / delta`.
        let mut k = self.pde.dirs.jvp_start + self.pde.drifts.len();
        for q in &self.pde.squares {
            let t = out
                .t
                .as_ref()
                .ok_or_else(|| err("invariant: gradient-square tangents"))?;
            let mut c = Tensor::full(q.coef / (delta * per as f64), n, &self.device)?
                .to_dtype(self.dtype)?;
            for f in &q.factors {
                c = (c * lower::per_point(&ev.eval(*f)?, n)?)?;
            }
            for r in residuals.iter_mut() {
                let sq = t.narrow(0, k, per)?.sqr()?.sum(0)?; // [N]
                k += per;
                *r = (&*r + (sq * &c)?)?;
            }
        }
        if mc.is_empty() {
            return Ok((residuals, u, obstacle));
        }
        let noise = noise.ok_or_else(|| err("invariant: noise for the Monte Carlo terms"))?;
        let mut at = 0;
        for f in mc {
            let cols = f.factor.columns();
            for r in residuals.iter_mut() {
                // Factor k averages draws k*per .. (k+1)*per (the noise is read in order):
                // independent of the other factor.
                // Each factor gets its own forward pass, both signs of its draws together
                // ([x + v1, x - v1, ...]): the loss detaches the first factor, so backward
                // never walks its pass, where one pass over all draws would run backward over
                // every row.
                let mut vs = Vec::new();
                for _ in 0..per {
                    let w = noise.narrow(0, at, n * cols)?.reshape((n, cols))?;
                    at += n * cols;
                    vs.push(self.mc_direction(&mut ev, &f.factor, n, w)?);
                }
                let values = self.settings.mc_difference == McDifference::Values;
                // Rows [x + v1, x - v1, ...], each with its derivative along v_j (the values
                // alone for a difference of values).
                let o = lower::forward_antithetic(
                    net,
                    &self.cols,
                    x,
                    &Tensor::cat(&vs, 0)?,
                    !values,
                    Some(projections),
                )?;
                // Pair j: u(x + v_j) + u(x - v_j) - 2 u(x) (each row minus the base pass's
                // value), or (grad u(x + v_j) - grad u(x - v_j)) . v_j / 2; both estimate
                // v_j^T H v_j, which the scale turns into the term's estimate.
                let pair = |j: usize| -> Result<Tensor> {
                    let row = |k: usize, t: &Tensor| t.narrow(0, (2 * j + k) * n, n);
                    match values {
                        true => (row(0, &o.f)? - &out.f)? + (row(1, &o.f)? - &out.f)?,
                        false => {
                            let t = o.t.as_ref().ok_or_else(|| err("invariant: one tangent"))?;
                            let t = t.squeeze(0)?;
                            (row(0, &t)? - row(1, &t)?)? * 0.5
                        }
                    }
                };
                let scale = f.factor.sign / (delta * per as f64);
                for j in 0..per {
                    *r = (&*r + (pair(j)? * scale)?)?;
                }
            }
        }
        Ok((residuals, u, obstacle))
    }

    /// The losses of every term on the given batches (`batches[k]` for plan term k).
    pub fn losses(
        &self,
        net: &Net,
        batches: &[Vec<Uploaded>],
        noise: Option<&Tensor>,
    ) -> Result<StepLosses> {
        let mut terms: Vec<Option<Tensor>> = vec![None; self.plan.terms.len()];
        let pde_index = self
            .plan
            .terms
            .iter()
            .position(|t| t.kind == TermKind::Pde)
            .ok_or_else(|| err("invariant: a pde term"))?;
        let x = batches[pde_index][0].x.clone();
        let estimates = self.mc_estimates();
        let has_mc = estimates == 2;
        let mut projections = vec![Projections::for_net(net)];
        let (res, f, obstacle) =
            self.pde_residuals_with(net, &x, noise, estimates, &projections[0])?;
        // The squared residual, or its two-draw estimate.
        let sq = |a: &Tensor, b: &Tensor| -> Result<Tensor> {
            if has_mc {
                // value: mean(a b); gradient: 2 mean(a grad b).
                let prod = (a.detach() * b)?;
                let value = prod.detach();
                (prod.affine(2.0, 0.0)? - value)?.mean_all()
            } else {
                a.sqr()?.mean_all()
            }
        };
        let PdeLossParts { pairs, gap } = self.pde_loss_pairs(&res, &f, obstacle.as_ref())?;
        let mut pde: Option<Tensor> = None;
        for (a, b) in &pairs {
            let l = sq(a, b)?;
            pde = Some(match pde {
                Some(p) => (p + l)?,
                None => l,
            });
        }
        terms[pde_index] = pde;
        if let Some(gap) = gap
            && let Some(ci) = self
                .plan
                .terms
                .iter()
                .position(|t| t.kind == TermKind::Constraint)
        {
            terms[ci] = Some(gap.neg()?.relu()?.sqr()?.mean_all()?);
        }
        for (k, term) in self.plan.terms.iter().enumerate() {
            let Some(prog) = &self.conditions[k] else {
                continue;
            };
            // A thread without rows of this term (`worker_passes`): no contribution.
            if batches[k]
                .first()
                .is_some_and(|b| b.x.dim(0).is_ok_and(|n| n == 0))
            {
                terms[k] = Some(Tensor::zeros((), self.dtype, &self.device)?);
                continue;
            }
            let p = Projections::for_net(net);
            terms[k] = Some(self.condition_loss(net, term, prog, &batches[k], &p)?);
            projections.push(p);
        }
        let terms = terms
            .into_iter()
            .map(|t| t.ok_or_else(|| err("invariant: every term has a loss")))
            .collect::<Result<_>>()?;
        Ok(StepLosses { terms, projections })
    }

    /// Each point's loss `[N]` in the PDE term and the constraint's (weighted as in the
    /// total), its Monte Carlo noise drawn from `rng` as a training step draws it: what
    /// adaptive sampling weighs its candidates by. Without a constraint or Monte Carlo terms
    /// it is the squared residual. The free-boundary forms are [`LossProgram::losses`]'s
    /// own ([`LossProgram::pde_loss_pairs`]), kept per point.
    pub fn pointwise_loss(&self, net: &Net, x: &Tensor, rng: &mut ChaCha8Rng) -> Result<Tensor> {
        let n = x.dim(0)?;
        let draws = self.mc_estimates();
        let w = self.draw_noise_rows(rng, n, draws, 0, n);
        let noise = match w.is_empty() {
            true => None,
            false => {
                let len = w.len();
                Some(Tensor::from_vec(w, len, &self.device)?.to_dtype(self.dtype)?)
            }
        };
        let (res, f, obstacle) =
            self.pde_residuals_with(net, x, noise.as_ref(), draws, &Projections::for_net(net))?;
        // With Monte Carlo terms, the product of the two independent draws' terms: like the
        // training loss, an unbiased estimate of each point's loss (one draw squared would
        // add the estimator's variance, favouring noisy points over wrong ones). It can be
        // negative; adaptive sampling weighs such points as zero.
        let weight = |kind: TermKind| {
            self.plan
                .terms
                .iter()
                .find(|t| t.kind == kind)
                .map_or(1.0, |t| t.weight)
        };
        let PdeLossParts { pairs, gap } = self.pde_loss_pairs(&res, &f, obstacle.as_ref())?;
        let mut pde = Tensor::zeros(n, self.dtype, &self.device)?;
        for (a, b) in &pairs {
            pde = (pde + (a * b)?)?;
        }
        let mut total = pde.affine(weight(TermKind::Pde), 0.0)?;
        if let Some(gap) = gap {
            let violation = gap.neg()?.relu()?.sqr()?;
            total = (total + violation.affine(weight(TermKind::Constraint), 0.0)?)?;
        }
        Ok(total)
    }

    /// The PDE term's pieces under the free-boundary form in force ([`PdeLossParts`]).
    /// [`LossProgram::losses`] takes means of them, [`LossProgram::pointwise_loss`] keeps
    /// them per point, so training and adaptive sampling weigh points alike.
    fn pde_loss_pairs(
        &self,
        res: &[Tensor],
        f: &Tensor,
        obstacle: Option<&Tensor>,
    ) -> Result<PdeLossParts> {
        let (a, b) = (&res[0], res.get(1).unwrap_or(&res[0]));
        let (Some(c), Some(g)) = (&self.problem.constraint, obstacle) else {
            return Ok(PdeLossParts {
                pairs: vec![(a.clone(), b.clone())],
                gap: None,
            });
        };
        let gap = if c.at_least { (f - g)? } else { (g - f)? };
        let masked = |m: &Tensor| -> Result<(Tensor, Tensor)> { Ok(((a * m)?, (b * m)?)) };
        // The residual's part with the wrong sign `s` (`relu(-s r)`), in both draws.
        let wrong_sign = |s: f64| -> Result<(Tensor, Tensor)> {
            Ok((a.affine(-s, 0.0)?.relu()?, b.affine(-s, 0.0)?.relu()?))
        };
        let off = gap.gt(0.0)?.to_dtype(self.dtype)?.detach();
        let pairs = match self
            .plan
            .free_boundary
            .unwrap_or(self.settings.free_boundary)
        {
            // The PDE holds only where the network is off the obstacle.
            FreeBoundaryLoss::Penalty => vec![masked(&off)?],
            FreeBoundaryLoss::Variational => {
                let on = off.affine(-1.0, 1.0)?;
                let s = self
                    .active_sign
                    .ok_or_else(|| err("invariant: variational needs a time direction"))?;
                // On the obstacle the residual may only have the sign of a region where
                // stopping is optimal; the wrong sign means holding on is worth more, so
                // the contact region is too large there.
                let (ra, rb) = wrong_sign(s)?;
                vec![masked(&off)?, ((ra * &on)?, (rb * &on)?)]
            }
            FreeBoundaryLoss::Complementarity => {
                let mut pairs = vec![masked(&gap.relu()?)?];
                if let Some(s) = self.active_sign {
                    // The residual may not have the wrong sign anywhere.
                    pairs.push(wrong_sign(s)?);
                }
                pairs
            }
        };
        Ok(PdeLossParts {
            pairs,
            gap: Some(gap),
        })
    }

    fn condition_loss(
        &self,
        net: &Net,
        term: &LossTerm,
        prog: &ConditionProgram,
        batches: &[Uploaded],
        projections: &Projections,
    ) -> Result<Tensor> {
        if term.kind == TermKind::Periodic {
            let mut vals = Vec::new();
            for b in batches {
                let x = &b.x;
                let out = lower::forward(net, &self.cols, x, &prog.dirs, None, None, None)?;
                if let Some(slope) = prog.periodic_slope {
                    let n = x.dim(0)?;
                    let mut ev = Evaluator::new(
                        self.problem,
                        &self.cols,
                        Batch {
                            x: x.clone(),
                            normals: None,
                            out: &out,
                            dirs: &prog.dirs,
                        },
                    );
                    let u = lower::per_point(&ev.eval(term.residual)?, n)?;
                    let t = lower::per_point(&ev.eval(slope)?, n)?;
                    vals.push((u, t));
                    continue;
                }
                let t = out
                    .t
                    .ok_or_else(|| err("invariant: periodic tangent"))?
                    .get(0)?;
                vals.push((out.f, t));
            }
            let du = (&vals[0].0 - &vals[1].0)?.sqr()?.mean_all()?;
            let dd = (&vals[0].1 - &vals[1].1)?.sqr()?.mean_all()?;
            return du + dd;
        }
        let (x, normals) = (batches[0].x.clone(), batches[0].normals.clone());
        let n = x.dim(0)?;
        let out = lower::forward_with(
            net,
            &self.cols,
            &x,
            &prog.dirs,
            None,
            if prog.needs.normal {
                normals.as_ref()
            } else {
                None
            },
            None,
            None,
            Some(projections),
        )?;
        let mut ev = Evaluator::new(
            self.problem,
            &self.cols,
            Batch {
                x,
                normals,
                out: &out,
                dirs: &prog.dirs,
            },
        );
        let r = lower::per_point(&ev.eval(term.residual)?, n)?;
        r.sqr()?.mean_all()
    }
}

/// The PDE term's loss, pointwise and before weights: pairs `(a, b)` of the two draws'
/// residuals (the same tensor twice without Monte Carlo terms), masked where the
/// free-boundary form says, whose products summed are each point's loss; and, with a
/// constraint, the gap `u - g` (`g - u` for `<=`) whose negative part is a violation.
struct PdeLossParts {
    pairs: Vec<(Tensor, Tensor)>,
    gap: Option<Tensor>,
}

fn ev_second(ev: &Evaluator, col: usize) -> Result<Tensor> {
    let k = *ev
        .batch
        .dirs
        .diag
        .get(&col)
        .ok_or_else(|| err("invariant: diagonal channel for a factor"))?;
    ev.batch
        .out
        .s
        .as_ref()
        .ok_or_else(|| err("invariant: channels"))?
        .get(k)
}

/// Adam (with our own state, so that it can be checkpointed).
pub struct Adam {
    pub m: Vec<Tensor>,
    pub v: Vec<Tensor>,
    pub step: u64,
    beta1: f64,
    beta2: f64,
    eps: f64,
}

impl Adam {
    pub fn new(params: &[(String, Var)]) -> Result<Adam> {
        let z: Vec<Tensor> = params
            .iter()
            .map(|(_, p)| p.zeros_like())
            .collect::<Result<_>>()?;
        Ok(Adam {
            m: z.clone(),
            v: z,
            step: 0,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        })
    }

    /// One update. The gradient norm for clipping stays on the device: one host read per
    /// step at most (on a GPU every read is a synchronisation).
    pub fn update(
        &mut self,
        params: &[(String, Var)],
        grads: &candle_core::backprop::GradStore,
        lr: f64,
        clip: Option<f64>,
    ) -> Result<()> {
        let gs = gradients(params, grads, &[])?;
        self.update_with(params, gs, lr, clip)
    }

    /// One update from gradients in parameter order.
    pub fn update_with(
        &mut self,
        params: &[(String, Var)],
        gs: Vec<Tensor>,
        lr: f64,
        clip: Option<f64>,
    ) -> Result<()> {
        // min(1, c / |g|) as a one-element tensor, so clipping costs no host read.
        let factor = match clip {
            Some(c) => {
                let sums: Vec<Tensor> = gs
                    .iter()
                    .map(|g| g.sqr()?.sum_all()?.reshape(1))
                    .collect::<Result<_>>()?;
                let norm = Tensor::cat(&sums, 0)?.sum_all()?.sqrt()?;
                Some(norm.affine(1.0 / c, 0.0)?.maximum(1.0)?.recip()?)
            }
            None => None,
        };
        self.step += 1;
        let (b1, b2) = (self.beta1, self.beta2);
        let bc1 = 1.0 - b1.powi(self.step as i32);
        let bc2 = 1.0 - b2.powi(self.step as i32);
        for (i, ((_, p), g)) in params.iter().zip(gs).enumerate() {
            let g = match &factor {
                Some(f) => g.broadcast_mul(f)?,
                None => g,
            };
            self.m[i] = ((&self.m[i] * b1)? + (&g * (1.0 - b1))?)?;
            self.v[i] = ((&self.v[i] * b2)? + (g.sqr()? * (1.0 - b2))?)?;
            let mhat = (&self.m[i] / bc1)?;
            let vhat = (&self.v[i] / bc2)?;
            let upd = (mhat / (vhat.sqrt()? + self.eps)?)?;
            p.set(&(p.as_tensor() - (upd * lr)?)?)?;
        }
        Ok(())
    }
}

/// What one training step produced.
pub enum StepOutcome {
    /// The parameters were updated; the loss of each plan term before the update.
    Updated(Vec<f64>),
    /// Term `term`'s value (or, with `gradient`, its gradient) was NaN or infinite: nothing
    /// was updated.
    NotFinite {
        term: usize,
        values: Vec<f64>,
        gradient: bool,
    },
}

/// Each parameter's gradient (zeros where the loss does not depend on it), in order.
fn gradients(
    params: &[(String, Var)],
    grads: &candle_core::backprop::GradStore,
    projections: &[Projections],
) -> Result<Vec<Tensor>> {
    nn::parameter_gradients(params, grads, projections)
}

/// `sum |g|^2` over all gradients, as a one-element tensor (no host read).
fn squared_norm(grads: &[Tensor]) -> Result<Tensor> {
    let sums: Vec<Tensor> = grads
        .iter()
        .map(|g| g.to_dtype(DType::F64)?.sqr()?.sum_all()?.reshape(1))
        .collect::<Result<_>>()?;
    Tensor::cat(&sums, 0)?.sum_all()
}

/// Which term's gradient is not finite (only called once the total's is not): one backward
/// per term, on the failing step only. The first term when none is alone to blame.
fn nonfinite_gradient_term(net: &Net, passes: &[&StepLosses]) -> Result<usize> {
    let terms = passes.first().map_or(0, |l| l.terms.len());
    for k in 0..terms {
        for losses in passes {
            let g = gradients(
                &net.params,
                &losses.terms[k].backward()?,
                &losses.projections,
            )?;
            let n2 = squared_norm(&g)?.to_scalar::<f64>()?;
            if !n2.is_finite() {
                return Ok(k);
            }
        }
    }
    Ok(0)
}

/// What a rank knows before a step that all ranks must agree on.
#[derive(Clone, Copy, Debug)]
pub struct Control {
    /// Ctrl-C or the time limit asks to stop.
    pub stop: bool,
    /// Seconds of training so far (rank 0's clock is the one used).
    pub elapsed: f64,
}

/// A step's outcome with the agreed control values and the learning rate used.
pub struct Stepped {
    pub outcome: StepOutcome,
    pub control: Control,
    pub lr: f64,
}

/// One thread's part of a step: its term values (means over its rows, times its share of
/// this rank's rows) `[terms]`, the gradient of its part of the loss, and its losses (to
/// find the term to blame for a non-finite gradient).
struct Pass {
    values: Tensor,
    grads: Vec<Tensor>,
    losses: StepLosses,
}

/// One thread's slice of a step: its batches, its Monte Carlo noise, and each term's share
/// of the rank's rows.
type Piece = (Vec<Vec<geometry::Batch>>, Vec<f64>, Vec<f64>);

/// Stack size of the worker threads: candle's backward walks the graph recursively.
pub(crate) const WORKER_STACK: usize = 64 * 1024 * 1024;

/// The losses and gradients of this rank's batches, split over
/// [`LossProgram::effective_workers`] threads: thread `w` takes rows `n w / W .. n (w + 1) / W`
/// of every term (and the Monte Carlo noise of its PDE rows) and weights each term by its
/// share of the rank's rows, so that the passes sum to the one-thread loss and gradient.
/// candle runs each thread's operations on that thread (one candle thread, see `main`), so
/// two threads use two cores for the whole step, where one thread leaves the second core
/// idle outside large matmuls.
fn worker_passes(
    program: &LossProgram,
    net: &Net,
    batches: &[Vec<geometry::Batch>],
    noise: &[f64],
    rank_share: &[f64],
) -> Result<Vec<Pass>> {
    let workers = program.effective_workers(batches);
    let ones = vec![1.0; batches.len()];
    if workers == 1 {
        return Ok(vec![pass(program, net, batches, noise, rank_share, &ones)?]);
    }
    let pde = program
        .plan
        .terms
        .iter()
        .position(|t| t.kind == TermKind::Pde);
    let rows_of = |k: usize| batches[k].first().map_or(0, |b| b.n);
    let pieces: Vec<Piece> = (0..workers)
        .map(|w| {
            // Rows `lo..hi` of a term with `n` rows; one with fewer rows than threads goes
            // whole to thread 0 (the others skip it: share 0).
            let cut = |n: usize| match n < workers {
                true if w == 0 => (0, n),
                true => (0, 0),
                false => (n * w / workers, n * (w + 1) / workers),
            };
            let part: Vec<Vec<geometry::Batch>> = batches
                .iter()
                .map(|term| {
                    term.iter()
                        .map(|b| {
                            let (lo, hi) = cut(b.n);
                            b.rows(lo, hi)
                        })
                        .collect()
                })
                .collect();
            let share: Vec<f64> = program
                .plan
                .terms
                .iter()
                .enumerate()
                .map(|(k, t)| {
                    let n = match (t.kind, pde) {
                        (TermKind::Constraint, Some(p)) => rows_of(p),
                        _ => rows_of(k),
                    };
                    let (lo, hi) = cut(n);
                    (hi - lo) as f64 / n.max(1) as f64
                })
                .collect();
            let noise = match pde {
                Some(p) if !noise.is_empty() => {
                    let (lo, hi) = cut(rows_of(p));
                    program.noise_rows(noise, rows_of(p), lo, hi)
                }
                _ => Vec::new(),
            };
            (part, noise, share)
        })
        .collect();
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for (part, noise, share) in &pieces[1..] {
            let h = std::thread::Builder::new()
                .name("pdec-worker".into())
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, move || {
                    pass(program, net, part, noise, rank_share, share)
                })
                .map_err(|e| err(format!("cannot start a training thread: {e}")))?;
            handles.push(h);
        }
        let (part, noise, share) = &pieces[0];
        let mut out = vec![pass(program, net, part, noise, rank_share, share)?];
        for h in handles {
            out.push(h.join().map_err(|_| err("a training thread panicked"))??);
        }
        Ok(out)
    })
}

/// The passes' term values and gradients, summed (in thread order).
fn sum_passes(passes: &[Pass]) -> Result<(Tensor, Vec<Tensor>)> {
    let first = passes
        .first()
        .ok_or_else(|| err("invariant: at least one pass"))?;
    let mut values = first.values.clone();
    let mut grads = first.grads.clone();
    for p in &passes[1..] {
        values = (values + &p.values)?;
        for (g, h) in grads.iter_mut().zip(&p.grads) {
            *g = (&*g + h)?;
        }
    }
    Ok((values, grads))
}

/// One thread's losses on its batches, weighted (term weight, the rank's share, the thread's
/// share) and differentiated.
fn pass(
    program: &LossProgram,
    net: &Net,
    batches: &[Vec<geometry::Batch>],
    noise: &[f64],
    rank_share: &[f64],
    share: &[f64],
) -> Result<Pass> {
    let (uploaded, noise) = program.upload(batches, noise)?;
    let losses = program.losses(net, &uploaded, noise.as_ref())?;
    let mut total: Option<Tensor> = None;
    let mut values = Vec::with_capacity(losses.terms.len());
    for (((t, l), f), g) in program
        .plan
        .terms
        .iter()
        .zip(&losses.terms)
        .zip(rank_share)
        .zip(share)
    {
        let w = (l * (t.weight * f * g))?;
        total = Some(match total {
            None => w,
            Some(s) => (s + w)?,
        });
        values.push((l * *g)?.reshape(1)?);
    }
    let total = total.ok_or_else(|| err("no loss terms"))?;
    let grads = gradients(&net.params, &total.backward()?, &losses.projections)?;
    Ok(Pass {
        values: Tensor::cat(&values, 0)?,
        grads,
        losses,
    })
}

/// Each rank's share of a term: its rows over the term's global rows (1 on one rank).
fn rank_shares(program: &LossProgram, batches: &[Vec<geometry::Batch>], comm: &Comm) -> Vec<f64> {
    let pde_rows = program
        .plan
        .terms
        .iter()
        .position(|t| t.kind == TermKind::Pde)
        .and_then(|k| batches[k].first().map(|b| b.n))
        .unwrap_or(0);
    program
        .plan
        .terms
        .iter()
        .zip(batches.iter())
        .map(|(t, b)| {
            if comm.size() == 1 {
                return 1.0;
            }
            let local = match t.kind {
                TermKind::Constraint => pde_rows,
                _ => b.first().map_or(0, |b| b.n),
            };
            local as f64 / t.batch.max(1) as f64
        })
        .collect()
}

/// A fixed training set: batches drawn once (with their Monte Carlo noise), so that the loss
/// is a deterministic function of the weights, as a quasi-Newton method needs.
pub struct FixedSet {
    sets: Vec<(Vec<Vec<geometry::Batch>>, Vec<f64>)>,
}

impl FixedSet {
    /// `count` batches of every term, each drawn as a training step draws its own (this
    /// rank's rows of them), keyed by the seed and `key` so that they are new points.
    pub fn draw(program: &LossProgram, count: usize, key: u64) -> FixedSet {
        let st = program.settings;
        let sets = (0..count as u64)
            .map(|k| {
                let batches = sample(program, None, &mut step_rng(st.seed ^ key, k));
                let noise = program.draw_noise(
                    &mut step_rng(st.seed ^ key ^ NOISE_KEY, k),
                    program.pde_global_rows(),
                    program.mc_estimates(),
                );
                (batches, noise)
            })
            .collect();
        FixedSet { sets }
    }

    /// Each term's loss (the mean over the set's points) and the gradient of the weighted
    /// total, flattened in the order of `net.params`, summed over the ranks.
    pub fn loss_and_gradient(
        &self,
        program: &LossProgram,
        net: &Net,
        comm: &Comm,
    ) -> Result<(Vec<f64>, Vec<f64>)> {
        let count = self.sets.len().max(1) as f64;
        let mut values: Vec<f64> = Vec::new();
        let mut grad: Vec<f64> = Vec::new();
        for (batches, noise) in &self.sets {
            let share = rank_shares(program, batches, comm);
            let passes = worker_passes(program, net, batches, noise, &share)?;
            let (v, g) = sum_passes(&passes)?;
            let v = v.to_dtype(DType::F64)?.to_vec1::<f64>()?;
            let mut flat = Vec::with_capacity(grad.len());
            for t in &g {
                flat.extend(t.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?);
            }
            if values.is_empty() {
                values = vec![0.0; v.len()];
                grad = vec![0.0; flat.len()];
            }
            for ((a, b), f) in values.iter_mut().zip(&v).zip(&share) {
                *a += b * f / count;
            }
            for (a, b) in grad.iter_mut().zip(&flat) {
                *a += b / count;
            }
        }
        if comm.size() > 1 {
            let k = values.len();
            let mut buf = values;
            buf.extend_from_slice(&grad);
            comm.sum_in_place(&mut buf);
            grad = buf.split_off(k);
            values = buf;
        }
        Ok((values, grad))
    }
}

/// One training step, shared by `pdec solve` and `pdec bench` so that the benchmark times
/// exactly what training runs: sample (when due), losses, one host read of the term values,
/// backward, Adam. `batches` carries points between steps for `resample_every`. With several
/// ranks, the term values, the gradients and the control values are summed in one
/// allreduce (`distributed`), and `lr_at` gets rank 0's clock.
#[allow(clippy::too_many_arguments)]
pub fn train_step(
    program: &LossProgram,
    net: &Net,
    adam: &mut Adam,
    step: u64,
    draws: &mut Draws,
    comm: &Comm,
    local: Control,
    lr_at: impl FnOnce(f64) -> f64,
) -> Result<Stepped> {
    let st = program.settings;
    // Points come from the step that drew them and noise from this step, each keyed by
    // seed and step alone: a resumed run (empty `batches`) redraws exactly the same points.
    let mut drawn_at = step - step % st.resample_every;
    if let Some(a) = &st.adaptive {
        // Rebuilt at checkpoints too, and the points drawn again from each new pool, so
        // that a run resumed from a checkpoint rebuilds the same pool and draws the same
        // points (whatever `resample_every`).
        let due = step.is_multiple_of(a.every)
            || (st.checkpoint_every > 0 && step.is_multiple_of(st.checkpoint_every));
        if draws
            .pool
            .as_ref()
            .is_none_or(|p| due && p.built_at != step)
        {
            draws.pool = Some(Pool::build(program, net, a, step, comm)?);
            drawn_at = step;
        }
    }
    if step == drawn_at || draws.batches.is_empty() {
        draws.batches = sample(
            program,
            draws.pool.as_ref(),
            &mut step_rng(st.seed, drawn_at),
        );
    }
    let batches = &draws.batches;
    let noise = program.draw_noise(
        &mut step_rng(st.seed ^ NOISE_KEY, step),
        program.pde_global_rows(),
        program.mc_estimates(),
    );
    let share = rank_shares(program, batches, comm);
    let passes = worker_passes(program, net, batches, &noise, &share)?;
    let (values_t, grads) = sum_passes(&passes)?;
    let all_losses: Vec<&StepLosses> = passes.iter().map(|p| &p.losses).collect();
    if comm.size() == 1 {
        // One host read: the term values and the gradient's squared norm together.
        let parts = [
            values_t.to_dtype(DType::F64)?,
            squared_norm(&grads)?.reshape(1)?,
        ];
        let mut read = Tensor::cat(&parts, 0)?.to_vec1::<f64>()?;
        let norm2 = read.pop().unwrap_or(f64::NAN);
        let values = read;
        let lr = lr_at(local.elapsed);
        let bad = match values.iter().position(|v| !v.is_finite()) {
            Some(term) => Some((term, false)),
            None if !norm2.is_finite() => Some((nonfinite_gradient_term(net, &all_losses)?, true)),
            None => None,
        };
        if let Some((term, gradient)) = bad {
            return Ok(Stepped {
                outcome: StepOutcome::NotFinite {
                    term,
                    values,
                    gradient,
                },
                control: local,
                lr,
            });
        }
        adam.update_with(&net.params, grads, lr, st.clip)?;
        return Ok(Stepped {
            outcome: StepOutcome::Updated(values),
            control: local,
            lr,
        });
    }
    let mut values = values_t.to_dtype(DType::F64)?.to_vec1::<f64>()?;
    // Several ranks: [scaled term values, stop, rank 0's clock, gradients] in one buffer.
    for (v, f) in values.iter_mut().zip(&share) {
        *v *= f;
    }
    let k = values.len();
    let mut buf = values;
    buf.push(if local.stop { 1.0 } else { 0.0 });
    buf.push(if comm.is_root() { local.elapsed } else { 0.0 });
    for g in &grads {
        buf.extend(g.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?);
    }
    comm.sum_in_place(&mut buf);
    let values = buf[..k].to_vec();
    let control = Control {
        stop: buf[k] > 0.0,
        elapsed: buf[k + 1],
    };
    let lr = lr_at(control.elapsed);
    let bad = match values.iter().position(|v| !v.is_finite()) {
        Some(term) => Some((term, false)),
        // Every rank sees the same summed gradient, so all take this branch together; the
        // term is found on this rank's own points.
        None if buf[k + 2..].iter().any(|g| !g.is_finite()) => {
            Some((nonfinite_gradient_term(net, &all_losses)?, true))
        }
        None => None,
    };
    if let Some((term, gradient)) = bad {
        return Ok(Stepped {
            outcome: StepOutcome::NotFinite {
                term,
                values,
                gradient,
            },
            control,
            lr,
        });
    }
    let mut at = k + 2;
    let mut summed = Vec::with_capacity(grads.len());
    for g in &grads {
        let len = g.elem_count();
        let t = Tensor::from_vec(buf[at..at + len].to_vec(), g.shape(), g.device())?
            .to_dtype(g.dtype())?;
        summed.push(t);
        at += len;
    }
    adam.update_with(&net.params, summed, lr, st.clip)?;
    Ok(Stepped {
        outcome: StepOutcome::Updated(values),
        control,
        lr,
    })
}

/// The learning rate at `step` (0-based) of `steps`, `elapsed` seconds into the run. The
/// cosine schedule follows whichever budget is further along, steps or `time_limit`, so a
/// time-limited run still reaches its small learning rates (at the price of depending on
/// wall time: such runs are not bitwise reproducible).
pub fn learning_rate(s: &Settings, step: u64, elapsed: f64) -> f64 {
    match &s.lr_schedule {
        Schedule::Constant => s.lr,
        Schedule::Step { every, factor } => s.lr * factor.powi((step / every) as i32),
        Schedule::Exponential { every, factor } => s.lr * factor.powf(step as f64 / *every as f64),
        Schedule::Cosine { min_lr } => {
            let frac = progress(s, step, elapsed);
            min_lr + (s.lr - min_lr) * 0.5 * (1.0 + (std::f64::consts::PI * frac).cos())
        }
    }
}

/// How far a training is along, in [0, 1]: steps over `steps`, or seconds over
/// `time_limit`, whichever is further (the cosine schedule and weight averaging follow it).
pub fn progress(s: &Settings, step: u64, elapsed: f64) -> f64 {
    let mut frac = step as f64 / s.steps.max(1) as f64;
    if let Some(limit) = s.time_limit {
        frac = frac.max(elapsed / limit);
    }
    frac.min(1.0)
}

/// The mean of the network's weights over the last `average` share of the training
/// (Polyak-Ruppert averaging): the iterates of Adam at a small learning rate still wander
/// around the minimum (the basket's price at d = 100 moved by about a percent between
/// checkpoints 1,000 steps apart), and their mean sits closer to it than any one of them.
#[derive(Clone, Debug, Default)]
pub struct WeightAverage {
    /// One tensor per network parameter, in `Net::params` order (empty before the first).
    pub mean: Vec<Tensor>,
    /// Iterates averaged so far.
    pub count: u64,
    /// Step and training seconds of the first iterate averaged: a resumed run checks that it
    /// still lies in its own averaging window ([`WeightAverage::keep_if_inside`]).
    pub first: Option<(u64, f64)>,
}

impl WeightAverage {
    /// Whether the iterate after `step` steps (at `elapsed` seconds) belongs to the average.
    pub fn covers(s: &Settings, step: u64, elapsed: f64) -> bool {
        // The margin keeps a step exactly at the window's start out whatever the rounding of
        // `1 - average` (1 - 0.9 is 0.09999999999999998).
        s.average > 0.0 && progress(s, step, elapsed) > 1.0 - s.average + 1e-9
    }

    /// Adds the network's weights after `step` steps (at `elapsed` seconds):
    /// `mean += (w - mean) / count`.
    pub fn add(&mut self, net: &Net, step: u64, elapsed: f64) -> Result<()> {
        self.count += 1;
        if self.mean.is_empty() {
            self.first = Some((step, elapsed));
            self.mean = net
                .params
                .iter()
                .map(|(_, v)| v.as_tensor().copy())
                .collect::<Result<_>>()?;
            return Ok(());
        }
        let k = 1.0 / self.count as f64;
        for (m, (_, v)) in self.mean.iter_mut().zip(&net.params) {
            *m = (&*m + ((v.as_tensor() - &*m)? * k)?)?;
        }
        Ok(())
    }

    /// Keeps the average when its first iterate lies in the averaging window of settings `s`,
    /// else starts it again (returns false): a run resumed with more steps or another
    /// `average` has its window elsewhere, and a mean over the old window would mix in
    /// iterates the new one does not cover. An average without a recorded first iterate
    /// (checkpoints before it was recorded) cannot be checked and starts again too.
    pub fn keep_if_inside(&mut self, s: &Settings) -> bool {
        let inside = match self.first {
            Some((step, elapsed)) => WeightAverage::covers(s, step, elapsed),
            None => self.count == 0,
        };
        if !inside {
            *self = WeightAverage::default();
        }
        inside
    }

    /// Sets the network's weights to the mean (nothing when no iterate was averaged).
    pub fn apply(&self, net: &Net) -> Result<()> {
        for (m, (_, v)) in self.mean.iter().zip(&net.params) {
            v.set(m)?;
        }
        Ok(())
    }
}

/// Separates the Monte Carlo noise's random stream from the points'.
const NOISE_KEY: u64 = 0x6e6f_6973_6520_6b65;

/// Sampler RNG for a step: keyed by seed and step, so that a run's points do not depend on
/// anything but these two (resumed runs and more ranks draw the same points).
pub fn step_rng(seed: u64, step: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(step);
    rng
}

/// The points a training carries from step to step: each term's batches (reused for
/// `resample_every` steps) and the adaptive sampling's pool of candidates.
#[derive(Default)]
pub struct Draws {
    pub batches: Vec<Vec<geometry::Batch>>,
    pool: Option<Pool>,
}

impl Draws {
    /// Forget everything: the next step draws afresh (a rollback to a checkpoint).
    pub fn clear(&mut self) {
        self.batches.clear();
        self.pool = None;
    }
}

/// Draws each term's batches: the global batch, of which this rank keeps its rows. With a
/// `pool` (adaptive sampling), the PDE's points are drawn from it.
pub fn sample(
    program: &LossProgram,
    pool: Option<&Pool>,
    rng: &mut ChaCha8Rng,
) -> Vec<Vec<geometry::Batch>> {
    program
        .plan
        .terms
        .iter()
        .map(|t| match t.kind {
            // The constraint is evaluated on the PDE's points.
            TermKind::Constraint => Vec::new(),
            _ => {
                let all = match (t.kind, pool) {
                    (TermKind::Pde, Some(p)) => vec![p.draw(t.batch, rng)],
                    _ => geometry::sample_region(
                        program.problem,
                        &program.layout,
                        &t.region,
                        t.batch,
                        rng,
                    ),
                };
                if program.shard.1 == 1 {
                    return all;
                }
                let (lo, hi) = program.rows(t.batch);
                all.iter().map(|b| b.rows(lo, hi)).collect()
            }
        })
        .collect()
}

/// The unknown at explicit points `[M, D]` (no derivatives): the network's values, or
/// the problem's ansatz made from them.
pub fn values(net: &Net, p: &Problem, cols: &Columns, x: &Tensor) -> Result<Tensor> {
    let out = lower::forward(net, cols, x, &Directions::default(), None, None, None)?;
    match &p.ansatz {
        Some(a) => lower::eval_with_values(p, cols, a.node, x, &out.f),
        None => Ok(out.f),
    }
}

/// The solution at explicit points: the network's values, projected onto the free-boundary
/// constraint when there is one (`max(u, g)` for `u >= g`). The exact solution satisfies the
/// constraint, so the projection can only move a value closer to it; for an American option
/// it is the early-exercise rule itself.
pub fn solution(net: &Net, p: &Problem, cols: &Columns, x: &Tensor) -> Result<Tensor> {
    let u = values(net, p, cols, x)?;
    match &p.constraint {
        Some(c) => {
            let g = eval_free(p, cols, c.obstacle, x)?.to_dtype(u.dtype())?;
            if c.at_least {
                u.maximum(&g)
            } else {
                u.minimum(&g)
            }
        }
        None => Ok(u),
    }
}

/// A point of the input space as a row, from a report.
pub fn report_row(p: &Problem, cols: &Columns, r: &pdec_lang::ir::Report) -> Vec<f64> {
    let mut row = vec![0.0; cols.width];
    if let (Some(c), Some(t)) = (cols.time, r.time) {
        row[c] = t;
    }
    for (k, vals) in r.space.iter().enumerate() {
        let (off, _) = cols.space[k];
        for (j, v) in vals.iter().enumerate() {
            row[off + j] = *v;
        }
    }
    for (k, v) in r.params.iter().enumerate() {
        row[cols.params[k]] = *v;
    }
    let _ = p;
    row
}

/// Evaluates a network-free node (an exact solution) on points.
pub fn eval_free(p: &Problem, cols: &Columns, node: NodeId, x: &Tensor) -> Result<Tensor> {
    let zero = Tensor::zeros(x.dim(0)?, x.dtype(), x.device())?;
    lower::eval_with_values(p, cols, node, x, &zero)
}

#[cfg(test)]
pub(crate) mod tests {

    /// The weight average is the arithmetic mean of the iterates added, and covers the last
    /// `average` share of the steps or of the seconds, whichever is further along.
    #[test]
    fn weight_average_is_the_mean_over_the_end_of_the_training() {
        let net = Net::new(
            &pdec_lang::settings::Net {
                kind: pdec_lang::settings::NetKind::Mlp,
                layers: 1,
                width: 3,
            },
            2,
            1,
            DType::F64,
            &Device::Cpu,
        )
        .expect("net");
        let first: Vec<Tensor> = net
            .params
            .iter()
            .map(|(_, v)| v.as_tensor().copy().expect("copy"))
            .collect();
        let mut avg = WeightAverage::default();
        for k in 0..4 {
            for (w, (_, v)) in first.iter().zip(&net.params) {
                v.set(&(w + k as f64).expect("shift")).expect("set");
            }
            avg.add(&net, 96 + k, 0.0).expect("add");
        }
        assert_eq!(avg.count, 4);
        avg.apply(&net).expect("apply");
        // Mean of w, w + 1, w + 2, w + 3: w + 1.5.
        for (w, (_, v)) in first.iter().zip(&net.params) {
            let got = v
                .as_tensor()
                .flatten_all()
                .expect("f")
                .to_vec1::<f64>()
                .expect("v");
            let want = (w + 1.5)
                .expect("want")
                .flatten_all()
                .expect("f")
                .to_vec1::<f64>()
                .expect("v");
            for (a, b) in got.iter().zip(&want) {
                assert!((a - b).abs() < 1e-12, "{a} vs {b}");
            }
        }
        let mut s = Settings {
            steps: 100,
            average: 0.1,
            ..Settings::default()
        };
        assert!(!WeightAverage::covers(&s, 90, 0.0));
        assert!(WeightAverage::covers(&s, 91, 0.0));
        s.time_limit = Some(10.0);
        assert!(
            WeightAverage::covers(&s, 5, 9.5),
            "the time budget is further along"
        );
        s.average = 0.0;
        assert!(!WeightAverage::covers(&s, 100, 10.0));
        // Resumed with the same window (first iterate at step 96 of 100, average 0.1): kept.
        // With twice the steps the window starts at 180: the old mean starts again.
        let s = Settings {
            steps: 100,
            average: 0.1,
            ..Settings::default()
        };
        let mut kept = avg.clone();
        assert!(kept.keep_if_inside(&s));
        assert_eq!((kept.count, kept.first), (4, Some((96, 0.0))));
        let mut moved = avg.clone();
        assert!(!moved.keep_if_inside(&Settings { steps: 200, ..s }));
        assert_eq!((moved.count, moved.first), (0, None));
        assert!(moved.mean.is_empty());
    }
    use super::*;
    use pdec_lang::source::SourceFile;

    /// The PDE residual computed by the loss program (jets, input rescaling, exact factor
    /// paths, IR lowering) equals the residual from finite differences of the network's
    /// plain values, in f64.
    type Fd<'a> =
        &'a dyn Fn(&[f64], &f64, &dyn Fn(usize) -> f64, &dyn Fn(usize, usize) -> f64) -> f64;

    /// The checked problem, analysis and plan of a source with `--set` overrides (no errors).
    pub(crate) fn compiled(
        src: &str,
        sets: &[String],
    ) -> (pdec_lang::check::Checked, pdec_lang::passes::Analysis, Plan) {
        let c = pdec_lang::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: src.into(),
            },
            sets,
        );
        assert!(!c.diags.has_errors(), "{:?}", c.diags);
        (
            c.checked.expect("c"),
            c.analysis.expect("a"),
            c.plan.expect("p"),
        )
    }

    /// The loss program of a compiled problem on the CPU, and a fresh network drawn with
    /// `net_seed` in the program's dtype.
    pub(crate) fn program_and_net<'a>(
        c: &'a pdec_lang::check::Checked,
        a: &pdec_lang::passes::Analysis,
        plan: &'a Plan,
        net_seed: u64,
    ) -> (LossProgram<'a>, Net) {
        let prog =
            LossProgram::new(&c.problem, plan, a, &c.settings, Device::Cpu).expect("program");
        let net = Net::new(
            &c.settings.net,
            plan.layout.width,
            net_seed,
            prog.dtype,
            &Device::Cpu,
        )
        .expect("net");
        (prog, net)
    }

    fn residual_matches(src: &str, fd: Fd) {
        residual_matches_with(src, false, fd)
    }

    fn residual_matches_finite_differences(src: &str, exact_path: bool) {
        residual_matches_with(src, exact_path, &fd_residual)
    }

    fn residual_matches_with(src: &str, exact_path: bool, fd: Fd) {
        let mut sets = vec!["dtype=f64".to_string(), "net=dgm(layers=2, width=8)".into()];
        if exact_path {
            sets.push("second_order=exact".into());
        }
        let (checked, analysis, plan) = compiled(src, &sets);
        let dev = Device::Cpu;
        let (prog, net) = program_and_net(&checked, &analysis, &plan, 3);
        let mut rng = step_rng(1, 0);
        let b = geometry::sample_interior(&checked.problem, &prog.layout, 5, &mut rng);
        let (x, _) = prog.tensor(&b).expect("x");
        let (res, _, _) = prog.pde_residuals(&net, &x, None, 1).expect("residual");
        let got = res[0].to_vec1::<f64>().expect("v");
        // Finite differences: u(x + h e_i +- h e_j) combinations of the plain network.
        let w = plan.layout.width;
        let u = |p: &[f64]| -> f64 {
            let t = Tensor::from_vec(p.to_vec(), (1, w), &dev).expect("t");
            values(&net, &checked.problem, &prog.cols, &t)
                .expect("v")
                .to_vec1::<f64>()
                .expect("v")[0]
        };
        let h = 2e-4;
        for (i, g) in got.iter().enumerate() {
            let p: Vec<f64> = b.point(i).to_vec();
            let d1 = |c: usize| {
                let (mut a, mut m) = (p.clone(), p.clone());
                a[c] += h;
                m[c] -= h;
                (u(&a) - u(&m)) / (2.0 * h)
            };
            let d2 = |c: usize, e: usize| {
                let at = |s1: f64, s2: f64| {
                    let mut q = p.clone();
                    q[c] += s1 * h;
                    q[e] += s2 * h;
                    u(&q)
                };
                (at(1.0, 1.0) - at(1.0, -1.0) - at(-1.0, 1.0) + at(-1.0, -1.0)) / (4.0 * h * h)
            };
            let expect = fd(&p, &u(&p), &d1, &d2);
            assert!(
                (g - expect).abs() <= 1e-6 * expect.abs().max(1.0),
                "point {i}: jets {g} vs finite differences {expect}"
            );
        }
    }

    // Column layout: t = 0, x = 1..=3.
    fn fd_residual(
        p: &[f64],
        u: &f64,
        d1: &dyn Fn(usize) -> f64,
        d2: &dyn Fn(usize, usize) -> f64,
    ) -> f64 {
        let rho = [[1.0, 0.5, 0.2], [0.5, 1.0, 0.3], [0.2, 0.3, 1.0]];
        let mut r = d1(0) + 0.5 * u * d1(1);
        for i in 0..3 {
            for j in 0..3 {
                r += 0.1 * rho[i][j] * p[1 + i] * p[1 + j] * d2(1 + i, 1 + j);
            }
            r -= (1.0 + p[1 + i]) * d2(1 + i, 1 + i);
            r += 0.3 * (p[1 + i] - 1.0) * d1(1 + i);
        }
        r
    }

    const PROBLEM: &str = "time t in [0, 1]\nspace x in [0.5, 2]^3\nunknown u(t, x)\nboundary none\n\
        const rho[i in 1..3, j in 1..3] = if i == j then 1 else if i + j == 3 then 0.5 else if i + j == 4 then 0.2 else 0.3\n\
        pde d(u, t) + 0.5 * u * d(u, x[1]) + sum(i in 1..3, j in 1..3) 0.1 * rho[i, j] * x[i] * x[j] * d(u, x[i], x[j]) - sum(i in 1..3) (1 + x[i]) * d(u, x[i], x[i]) + 0.3 * sum(i in 1..3) (x[i] - 1) * d(u, x[i]) = 0\n\
        terminal u = 0\n";

    #[test]
    fn nonfactorable_and_nonlinear_second_order_terms_match_finite_differences() {
        // A lone mixed derivative (polarization) and a u-dependent coefficient (IR path).
        let src = "time t in [0, 1]\nspace x in [0.5, 2]^3\nunknown u(t, x)\nboundary none\n\
            pde d(u, t) + 0.5 * u * d(u, x[1]) + 0.1 * x[1] * x[2] * d(u, x[1], x[2]) - u^2 * d(u, x[3], x[3]) = 0\nterminal u = 0\n";
        let c = pdec_lang::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: src.into(),
            },
            &[],
        );
        let a = c.analysis.expect("analysed");
        assert!(
            a.second_order.iter().any(|t| t.factor.is_err()),
            "the mixed term is not factorable"
        );
        assert_eq!(a.other_second_order.len(), 1);
        let _ = fd_residual;
        residual_matches(src, &|p, u, d1, d2| {
            d1(0) + 0.5 * u * d1(1) + 0.1 * p[1] * p[2] * d2(1, 2) - u * u * d2(3, 3)
        });
    }

    #[test]
    fn pde_residual_matches_finite_differences_on_the_exact_path() {
        residual_matches_finite_differences(PROBLEM, true);
    }

    /// Under an ansatz the residual is formed from the network's jets through the rewritten
    /// graph, and `values` returns the ansatz: finite differences of `values` must give the
    /// same residual (product and chain rules, time and space, axis components, a whole
    /// gradient, mixed second derivatives by polarization).
    #[test]
    fn an_ansatz_residual_matches_finite_differences_of_the_ansatz() {
        let ansatz = "ansatz u = (1.5 - t) * x[1] * tanh(net) + t * x[2]^2 + sin(x[3]) * exp(-t)\n";
        let src = format!("{PROBLEM}{ansatz}");
        residual_matches_finite_differences(&src, true);
        residual_matches_finite_differences(&src, false);
        let grad = "time t in [0, 1]\nspace x in [0.5, 2]^3\nunknown u(t, x)\nboundary none\n\
            pde d(u, t) + 0.2 * sum(grad(u) * x) + 0.5 * lap(u) = 0\nterminal u = 0\n\
            ansatz u = x[1] * x[2] * net + x[3]\n";
        residual_matches(grad, &|p, _u, d1, d2| {
            let mut r = d1(0);
            for i in 0..3 {
                r += 0.2 * d1(1 + i) * p[1 + i] + 0.5 * d2(1 + i, 1 + i);
            }
            r
        });
    }

    /// `dn(u)` under an ansatz is the face's normal dotted with the ansatz's gradient: the
    /// boundary term's loss equals the mean squared residual formed by hand from central
    /// differences of `values` along each point's normal (a box, whose normals are vectors,
    /// and an interval, whose normal is a sign).
    #[test]
    fn a_normal_derivative_under_an_ansatz_differentiates_the_ansatz() {
        let cases = [
            (
                "time t in [0, 1]\nspace x in [0, 1]^2\nunknown u(t, x)\n\
                 pde d(u, t) = 0.1 * lap(u)\ninitial u = cos(pi * x[1]) * cos(pi * x[2])\n\
                 boundary on(x): dn(u) = 0.3 * x[1]\n\
                 ansatz u = cos(pi * x[1]) * cos(pi * x[2]) + t * (1 + x[1] + x[2]^2) * net\n",
                2,
            ),
            (
                "time t in [0, 1]\nspace x in [0, 2]\nunknown u(t, x)\n\
                 pde d(u, t) = 0.1 * d(u, x, x)\ninitial u = x^2\n\
                 boundary on(x): dn(u) + u = 1\nansatz u = x^2 + t * exp(x) * net\n",
                1,
            ),
        ];
        for (src, dim) in cases {
            let sets = ["dtype=f64".to_string(), "net=dgm(layers=2, width=8)".into()];
            let (checked, analysis, plan) = compiled(src, &sets);
            let (prog, net) = program_and_net(&checked, &analysis, &plan, 3);
            let (batches, k, got) = term_loss(&prog, &net, TermKind::Boundary, 7);
            let b = &batches[k][0];
            let normals = b.normals.as_ref().expect("normals on faces");
            let col = prog.cols.space[0].0;
            let at = |shift: &dyn Fn(usize) -> f64| -> Vec<f64> {
                let mut b = b.clone();
                for i in 0..b.n {
                    for c in 0..dim {
                        b.points[i * b.width + col + c] += shift(c);
                    }
                }
                let (x, _) = prog.tensor(&b).expect("x");
                values(&net, &checked.problem, &prog.cols, &x)
                    .and_then(|v| v.to_vec1::<f64>())
                    .expect("values")
            };
            let h = 1e-5;
            let u = at(&|_| 0.0);
            let mut dn = vec![0.0; b.n];
            for c in 0..dim {
                let unit = |k: usize| if k == c { h } else { 0.0 };
                let (p, m) = (at(&unit), at(&|k| -unit(k)));
                for i in 0..b.n {
                    dn[i] += normals[i * b.width + col + c] * (p[i] - m[i]) / (2.0 * h);
                }
            }
            let mut expect = 0.0;
            for i in 0..b.n {
                let x1 = b.points[i * b.width + col];
                let r = match dim {
                    2 => dn[i] - 0.3 * x1,
                    _ => dn[i] + u[i] - 1.0,
                };
                expect += r * r / b.n as f64;
            }
            assert!(
                (got - expect).abs() <= 1e-6 * expect,
                "{dim}-D: boundary loss {got} vs by hand {expect}"
            );
        }
    }

    /// A periodic condition under an ansatz asks the ansatz, not the network, to agree on the
    /// two faces: `sin(2 pi x) + t (1 + x) net` is periodic only if `net` is not. The term's
    /// loss equals the mean squared mismatch of the ansatz's values and of its slope (by
    /// central differences of `values`) across the pairs of points.
    #[test]
    fn a_periodic_condition_under_an_ansatz_compares_the_ansatz() {
        let src = "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\n\
                   pde d(u, t) = 0.1 * d(u, x, x)\ninitial u = sin(2 * pi * x)\nperiodic x\n\
                   ansatz u = sin(2 * pi * x) + t * (1 + x) * net\n";
        let sets = ["dtype=f64".to_string(), "net=dgm(layers=2, width=8)".into()];
        let (checked, analysis, plan) = compiled(src, &sets);
        assert_eq!(checked.problem.imposed, ["initial"]);
        let (prog, net) = program_and_net(&checked, &analysis, &plan, 3);
        let (batches, k, got) = term_loss(&prog, &net, TermKind::Periodic, 6);
        let col = prog.cols.space[0].0;
        let h = 1e-5;
        let at = |b: &geometry::Batch, shift: f64| -> Vec<f64> {
            let mut b = b.clone();
            for i in 0..b.n {
                b.points[i * b.width + col] += shift;
            }
            let (x, _) = prog.tensor(&b).expect("x");
            values(&net, &checked.problem, &prog.cols, &x)
                .and_then(|v| v.to_vec1::<f64>())
                .expect("values")
        };
        let (lo, hi) = (&batches[k][0], &batches[k][1]);
        let (u0, u1) = (at(lo, 0.0), at(hi, 0.0));
        let slope = |b| -> Vec<f64> {
            let (p, m) = (at(b, h), at(b, -h));
            p.iter().zip(&m).map(|(p, m)| (p - m) / (2.0 * h)).collect()
        };
        let (s0, s1) = (slope(lo), slope(hi));
        let n = u0.len() as f64;
        let values_part: f64 = u0
            .iter()
            .zip(&u1)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / n;
        let slope_part: f64 = s0
            .iter()
            .zip(&s1)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / n;
        let expect = values_part + slope_part;
        assert!(
            values_part > 1e-4,
            "the pairs' values differ: {values_part}"
        );
        assert!(
            (got - expect).abs() <= 1e-6 * expect,
            "periodic loss {got} vs by hand {expect}"
        );
    }

    /// The summed channel and one channel per direction give the same residual and the same
    /// parameter gradient, for identity (with a point-dependent diagonal), single-component
    /// and Cholesky factors, several exact terms sharing one channel, f64 and f32.
    #[test]
    fn summed_channel_equals_per_direction_channels() {
        let laplace = "space x in [0, 1]^4\nunknown u(x)\nboundary on(x): u = 0\npde 0.5 * lap(u) + 2 * d(u, x[2], x[2]) = 1\n";
        for (src, dtype, tol) in [
            (PROBLEM, "f64", 1e-12),
            (laplace, "f64", 1e-12),
            (PROBLEM, "f32", 2e-4),
        ] {
            let sets = [
                format!("dtype={dtype}"),
                "net=dgm(layers=2, width=8)".into(),
                "second_order=exact".into(),
            ];
            let (checked, analysis, plan) = compiled(src, &sets);
            let (mut prog, net) = program_and_net(&checked, &analysis, &plan, 3);
            assert!(prog.pde.summed, "only factor terms read second derivatives");
            let b =
                geometry::sample_interior(&checked.problem, &prog.layout, 7, &mut step_rng(1, 0));
            let (x, _) = prog.tensor(&b).expect("x");
            let mut run = |summed: bool| -> (Vec<f64>, Vec<f64>) {
                prog.pde.summed = summed;
                let (res, _, _) = prog.pde_residuals(&net, &x, None, 1).expect("residual");
                let r = res[0]
                    .to_dtype(DType::F64)
                    .expect("f")
                    .to_vec1::<f64>()
                    .expect("v");
                let loss = res[0].sqr().expect("sq").mean_all().expect("m");
                (r, grad_vector(&net, &loss))
            };
            let (r1, g1) = run(true);
            let (r0, g0) = run(false);
            let close = |a: &[f64], b: &[f64], what: &str| {
                let scale = b.iter().fold(1.0f64, |m, v| m.max(v.abs()));
                for (i, (p, q)) in a.iter().zip(b).enumerate() {
                    assert!(
                        (p - q).abs() <= tol * scale,
                        "{dtype} {what} {i}: summed {p} vs per direction {q}"
                    );
                }
            };
            close(&r1, &r0, "residual");
            close(&g1, &g0, "gradient");
        }
    }

    /// The loss of the first term of `kind` on batches freshly drawn with `seed`: the
    /// batches, the term's index and its loss.
    fn term_loss(
        prog: &LossProgram,
        net: &Net,
        kind: TermKind,
        seed: u64,
    ) -> (Vec<Vec<geometry::Batch>>, usize, f64) {
        let batches = sample(prog, None, &mut step_rng(seed, 0));
        let (uploaded, noise) = prog.upload(&batches, &[]).expect("upload");
        let losses = prog.losses(net, &uploaded, noise.as_ref()).expect("losses");
        let k = prog
            .plan
            .terms
            .iter()
            .position(|t| t.kind == kind)
            .expect("a term of the kind");
        let loss = losses.terms[k].to_scalar::<f64>().expect("scalar");
        (batches, k, loss)
    }

    /// Flattened parameter gradient of a scalar loss.
    fn grad_vector(net: &Net, loss: &Tensor) -> Vec<f64> {
        let g = loss.backward().expect("backward");
        let mut v = Vec::new();
        for (_, p) in &net.params {
            match g.get(p.as_tensor()) {
                Some(t) => v.extend(
                    t.to_dtype(DType::F64)
                        .and_then(|t| t.flatten_all())
                        .and_then(|t| t.to_vec1::<f64>())
                        .expect("v"),
                ),
                None => v.extend(std::iter::repeat_n(0.0, p.elem_count())),
            }
        }
        v
    }

    /// The Monte Carlo gradient (two independent draws) averaged over many draws matches the
    /// exact-path gradient of the same network and points, within a stated statistical
    /// tolerance; the one-draw gradient (of `mean(A(w)^2)`) is biased by the variance of the
    /// estimator and fails the same check.
    /// Splitting a step over threads changes nothing but rounding: the summed term values
    /// and gradients of 2 and 3 threads equal one thread's, in f64, on batches that do not
    /// split evenly, with Monte Carlo noise (cut per thread), a free-boundary constraint
    /// (weighted by the PDE's rows), a periodic pair, a term with fewer rows than threads (it
    /// goes whole to the first thread) and an MPI rank share. The PDE's rows cap the count.
    #[test]
    fn threads_split_a_step_without_changing_it() {
        let cases = [
            (
                include_str!("../../../tests/problems/heat5_mc.pde"),
                "batch=7",
            ),
            (
                include_str!("../../../tests/problems/heat1d.pde"),
                "batch.initial=2",
            ),
            (
                include_str!("../../../tests/problems/american_put.pde"),
                "batch=9",
            ),
            (
                "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) = 0.1 * d(u, x, x) - d(u, x)\ninitial u = sin(2 * pi * x)\nperiodic x\n",
                "batch=8",
            ),
            // Monte Carlo Laplacian and gradient squares: their noise is cut the same way.
            (HJB5, "batch=7;auto_mc_threshold=1"),
        ];
        for (src, batch) in cases {
            let mut sets = vec!["dtype=f64".to_string(), "net=dgm(layers=2, width=6)".into()];
            sets.extend(batch.split(';').map(String::from));
            let (c, a, plan) = compiled(src, &sets);
            let (mut prog, net) = program_and_net(&c, &a, &plan, 3);
            let batches = sample(&prog, None, &mut step_rng(4, 0));
            let noise = prog.draw_noise(
                &mut step_rng(5, 0),
                prog.pde_global_rows(),
                prog.mc_estimates(),
            );
            let share: Vec<f64> = (0..plan.terms.len())
                .map(|k| 0.5 + 0.1 * k as f64)
                .collect();
            let run = |prog: &LossProgram| {
                let passes = worker_passes(prog, &net, &batches, &noise, &share).expect("passes");
                let (v, g) = sum_passes(&passes).expect("sum");
                let mut out = v.to_vec1::<f64>().expect("values");
                for t in g {
                    out.extend(t.flatten_all().expect("f").to_vec1::<f64>().expect("g"));
                }
                (passes.len(), out)
            };
            let (one_count, one) = run(&prog);
            assert_eq!(one_count, 1);
            for workers in [2, 3] {
                prog.workers = workers;
                let (count, many) = run(&prog);
                assert_eq!(count, workers, "{batch}");
                assert_eq!(one.len(), many.len());
                for (i, (x, y)) in one.iter().zip(&many).enumerate() {
                    // The Monte Carlo difference of values divides a difference of O(1)
                    // values by delta = 1e-3: rounding grows by about 1/delta, to ~1e-9.
                    assert!(
                        (x - y).abs() <= 1e-8 * x.abs().max(1e-2),
                        "{batch}, {workers} threads, entry {i}: {x} vs {y}"
                    );
                }
            }
            prog.workers = 100_000;
            let pde = plan.terms.iter().position(|t| t.kind == TermKind::Pde);
            let rows = pde.and_then(|k| batches[k].first().map(|b| b.n));
            assert_eq!(Some(prog.effective_workers(&batches)), rows);
        }
    }

    #[test]
    fn monte_carlo_gradient_is_unbiased_and_one_draw_is_not() {
        for difference in ["gradients", "values"] {
            two_draw_gradient_is_unbiased(
                "time t in [0, 1]\nspace x in [-1, 1]^5\nunknown u(t, x)\nboundary none\npde d(u, t) = 0.5 * lap(u) + 0.25 * sum(i in 1..5) x[i]^2 * d(u, x[i], x[i])\ninitial u = 0\n",
                difference,
            );
        }
    }

    /// HJB-type: the Laplacian and two gradient squares (one with a coefficient that varies,
    /// over part of the gradient) all estimated.
    const HJB5: &str = "time t in [0, 1]\nspace x in [-1, 1]^5\nunknown u(t, x)\nboundary none\npde d(u, t) + lap(u) - 0.7 * norm2(grad(u)) + 0.3 * x[1]^2 * sum(i in 2..5) d(u, x[i])^2 = 0\nterminal u = 0\n";

    #[test]
    fn monte_carlo_gradient_squares_keep_the_gradient_unbiased() {
        let (_, a, p) = compiled(HJB5, &["auto_mc_threshold=1".into()]);
        assert_eq!(a.gradient_squares.len(), 2);
        assert!(
            p.gradient_squares
                .iter()
                .all(|q| q.path == Path::MonteCarlo)
        );
        two_draw_gradient_is_unbiased(HJB5, "gradients");
    }

    #[test]
    fn the_gradient_square_estimate_averages_to_the_exact_residual() {
        let sets = |so: &str| {
            vec![
                "dtype=f64".to_string(),
                "net=mlp(layers=2, width=8)".into(),
                format!("second_order={so}"),
            ]
        };
        // Only the gradient squares are estimated: the Laplacian stays exact, so the
        // residual's mean over draws must be the exact residual (no delta in the estimator).
        let src = HJB5.replace("lap(u)", "0");
        let (ce, ae, pe) = compiled(&src, &sets("exact"));
        let (cm, am, pm) = compiled(&src, &sets("monte_carlo(delta = 0.01)"));
        assert!(
            pm.gradient_squares
                .iter()
                .all(|q| q.path == Path::MonteCarlo)
        );
        let (exact, net) = program_and_net(&ce, &ae, &pe, 5);
        let (mc, _) = program_and_net(&cm, &am, &pm, 5);
        let mut rng = step_rng(3, 0);
        let b = geometry::sample_interior(&ce.problem, &exact.layout, 6, &mut rng);
        let (x, _) = exact.tensor(&b).expect("x");
        let (r, _, _) = exact.pde_residuals(&net, &x, None, 1).expect("exact");
        let want: Vec<f64> = r[0].to_vec1().expect("v");
        let m = 4000;
        let (mut s, mut q) = (vec![0.0; 6], vec![0.0; 6]);
        for _ in 0..m / 2 {
            let noise = mc.noise_tensor(&mut rng, 6).expect("noise");
            let (r, _, _) = mc.pde_residuals(&net, &x, noise.as_ref(), 2).expect("mc");
            for d in &r {
                for (k, v) in d.to_vec1::<f64>().expect("v").iter().enumerate() {
                    s[k] += v;
                    q[k] += v * v;
                }
            }
        }
        for k in 0..6 {
            let mean = s[k] / m as f64;
            let se = ((q[k] / m as f64 - mean * mean).max(0.0) / m as f64).sqrt();
            assert!(se > 0.0, "the estimate does not vary: nothing is estimated");
            assert!(
                (mean - want[k]).abs() < 5.0 * se + 1e-12,
                "point {k}: mean {mean} vs exact {} (se {se})",
                want[k]
            );
        }
    }

    /// The stacked input products change nothing but the work: a DGM's Monte Carlo residuals
    /// (both difference forms, gradient squares included) and every parameter gradient of
    /// a loss over them are the weight-by-weight ones.
    #[test]
    fn stacked_input_products_give_the_same_residuals_and_gradients() {
        for form in ["gradients", "values"] {
            let sets: Vec<String> = vec![
                "auto_mc_threshold=1".into(),
                "net=dgm(layers = 2, width = 6)".into(),
                "dtype=f64".into(),
                format!("mc_difference={form}"),
            ];
            let (c, a, p) = compiled(HJB5, &sets);
            let (prog, net) = program_and_net(&c, &a, &p, 9);
            let mut rng = step_rng(4, 0);
            let b = geometry::sample_interior(&c.problem, &prog.layout, 7, &mut rng);
            let (x, _) = prog.tensor(&b).expect("x");
            let noise = prog.noise_tensor(&mut rng, 7).expect("noise");
            let run = |proj: Projections| {
                let (r, f, _) = prog
                    .pde_residuals_with(&net, &x, noise.as_ref(), 2, &proj)
                    .expect("residuals");
                let loss = ((&r[0] * &r[1]).expect("m").sum_all().expect("s")
                    + f.sqr().expect("sq").sum_all().expect("s"))
                .expect("loss");
                let g = gradients(&net.params, &loss.backward().expect("b"), &[proj])
                    .expect("gradients");
                let mut out: Vec<f64> = r
                    .iter()
                    .flat_map(|t| t.to_vec1::<f64>().expect("r"))
                    .collect();
                for t in g {
                    out.extend(t.flatten_all().expect("f").to_vec1::<f64>().expect("g"));
                }
                out
            };
            let (alone, stacked) = (run(Projections::default()), run(Projections::for_net(&net)));
            assert_eq!(alone.len(), stacked.len());
            assert!(alone.iter().any(|v| *v != 0.0));
            // Only the summation order differs; the difference of values divides it by delta.
            let tol = if form == "values" { 1e-9 } else { 1e-11 };
            for (i, (a, b)) in alone.iter().zip(&stacked).enumerate() {
                assert!(
                    (a - b).abs() <= tol * a.abs().max(1.0),
                    "{form} {i}: {a} vs {b}"
                );
            }
        }
    }

    /// The two-draw Monte Carlo loss's gradient is unbiased for the exact one (a chi-squared
    /// test over many draws), where one draw for both factors is biased.
    fn two_draw_gradient_is_unbiased(src: &str, difference: &str) {
        let build = |so: &str| {
            let sets = vec![
                "dtype=f64".to_string(),
                "net=mlp(layers=2, width=8)".into(),
                format!("second_order={so}"),
                "auto_mc_threshold=1".into(),
                format!("mc_difference={difference}"),
            ];
            compiled(src, &sets)
        };
        let (ce, ae, pe) = build("exact");
        let (cm, am, pm) = build("monte_carlo(delta = 1e-4)");
        assert!(pm.second_order.iter().all(|t| t.path == Path::MonteCarlo));
        let (exact, net) = program_and_net(&ce, &ae, &pe, 5);
        let (mc, _) = program_and_net(&cm, &am, &pm, 5);
        let mut rng = step_rng(2, 0);
        let b = geometry::sample_interior(&ce.problem, &exact.layout, 8, &mut rng);
        let (x, _) = exact.tensor(&b).expect("x");

        let (r, _, _) = exact
            .pde_residuals(&net, &x, None, 1)
            .expect("exact residual");
        let g_exact = grad_vector(&net, &r[0].sqr().expect("sq").mean_all().expect("mean"));

        let draws = 300;
        let p = g_exact.len();
        let (mut s2, mut q2) = (vec![0.0; p], vec![0.0; p]);
        let (mut s1, mut q1) = (vec![0.0; p], vec![0.0; p]);
        for _ in 0..draws {
            let noise = mc.noise_tensor(&mut rng, 8).expect("noise");
            let (r, _, _) = mc
                .pde_residuals(&net, &x, noise.as_ref(), 2)
                .expect("two draws");
            let two =
                ((r[0].detach() * &r[1]).expect("p").mean_all().expect("m") * 2.0).expect("x2");
            for (k, g) in grad_vector(&net, &two).iter().enumerate() {
                s2[k] += g;
                q2[k] += g * g;
            }
            let one = r[0].sqr().expect("sq").mean_all().expect("m");
            for (k, g) in grad_vector(&net, &one).iter().enumerate() {
                s1[k] += g;
                q1[k] += g * g;
            }
        }
        let m = draws as f64;
        // Squared distance of the averaged gradient from the exact one, in units of the
        // estimated variance of that average: about `p` when unbiased (chi-squared with p
        // degrees of freedom), much larger when biased.
        let stat = |s: &[f64], q: &[f64]| -> f64 {
            (0..p)
                .map(|k| {
                    let mean = s[k] / m;
                    let var = (q[k] / m - mean * mean).max(1e-30) / m;
                    (mean - g_exact[k]).powi(2) / var
                })
                .sum::<f64>()
        };
        let (two, one) = (stat(&s2, &q2), stat(&s1, &q1));
        eprintln!(
            "{difference}: chi2 statistic: two draws {two:.1}, one draw {one:.1}, {p} parameters"
        );
        let limit = p as f64 + 6.0 * (2.0 * p as f64).sqrt(); // chi-squared mean + 6 sd
        assert!(
            two < limit,
            "two-draw gradient deviates: {two:.1} (limit {limit:.1}, {p} parameters)"
        );
        assert!(
            one > 4.0 * limit,
            "one-draw gradient looks unbiased ({one:.1}); the test cannot tell them apart"
        );
    }

    #[test]
    fn one_upload_per_step_gives_every_batch_and_its_normals() {
        let src = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/poisson_mixed.pde"
        ))
        .expect("example");
        let (checked, analysis, plan) = compiled(&src, &["dtype=f64".to_string()]);
        let (prog, _) = program_and_net(&checked, &analysis, &plan, 0);
        let batches = sample(&prog, None, &mut step_rng(4, 2));
        let noise = [0.25, -1.5, 3.0];
        let (up, got) = prog.upload(&batches, &noise).expect("upload");
        let got = got.expect("noise comes back").to_vec1::<f64>().expect("v");
        assert_eq!(
            got, noise,
            "the noise rides in the same buffer, after the points"
        );
        let mut normals = 0;
        for (term, uploaded) in batches.iter().zip(&up) {
            for (b, u) in term.iter().zip(uploaded) {
                let (x, n) = prog.tensor(b).expect("tensor");
                let flat =
                    |t: &Tensor| t.flatten_all().and_then(|t| t.to_vec1::<f64>()).expect("v");
                assert_eq!(flat(&x), flat(&u.x));
                assert_eq!(n.is_some(), u.normals.is_some());
                if let (Some(n), Some(m)) = (n, &u.normals) {
                    assert_eq!(flat(&n), flat(m));
                    normals += 1;
                }
            }
        }
        assert!(
            normals > 0,
            "the example has Neumann/Robin faces with normals"
        );
    }

    /// In f32 at the default `delta` (1e-3), the rounding of each Monte Carlo estimate (its
    /// difference from the same estimate in f64: same network, points and noise) is small
    /// against the estimator's own spread over draws, for both differences: the difference of
    /// values cancels more digits than that of directional derivatives, but not enough to
    /// matter.
    #[test]
    fn f32_rounding_of_the_estimate_is_small_against_its_spread() {
        let src = "time t in [0, 1]\nspace x in [-1, 1]^20\nunknown u(t, x)\nboundary none\npde d(u, t) = 0.5 * lap(u) + 0.1 * sum(i in 1..20) d(u, x[i])\ninitial u = sum(i in 1..20) x[i]^2\n";
        for difference in ["values", "gradients"] {
            let build = |dtype: &str| {
                let sets = vec![
                    format!("dtype={dtype}"),
                    "second_order=monte_carlo(delta = 1e-3)".into(),
                    format!("mc_difference={difference}"),
                ];
                compiled(src, &sets)
            };
            let (c64, a64, p64) = build("f64");
            let (c32, a32, p32) = build("f32");
            let (prog64, net64) = program_and_net(&c64, &a64, &p64, 9);
            let (prog32, net32) = program_and_net(&c32, &a32, &p32, 9);
            let mut rng = step_rng(4, 0);
            let n = 64;
            let b = geometry::sample_interior(&c64.problem, &prog64.layout, n, &mut rng);
            let (x64, _) = prog64.tensor(&b).expect("x");
            let x32 = x64.to_dtype(DType::F32).expect("x32");
            let draws = 40;
            let (mut rounding, mut spread) = (0.0, 0.0);
            let mut all: Vec<Vec<f64>> = Vec::new();
            for _ in 0..draws {
                let w = prog64
                    .noise_tensor(&mut rng, n)
                    .expect("noise")
                    .expect("some");
                let (r64, _, _) = prog64.pde_residuals(&net64, &x64, Some(&w), 2).expect("r");
                let w32 = w.to_dtype(DType::F32).expect("w32");
                let (r32, _, _) = prog32
                    .pde_residuals(&net32, &x32, Some(&w32), 2)
                    .expect("r");
                for (a, b) in r64.iter().zip(&r32) {
                    let a: Vec<f64> = a.to_vec1().expect("a");
                    let b: Vec<f64> = b.to_dtype(DType::F64).expect("b").to_vec1().expect("b");
                    rounding += a.iter().zip(&b).map(|(x, y)| (x - y).powi(2)).sum::<f64>();
                    all.push(a);
                }
            }
            for k in 0..n {
                let mean = all.iter().map(|r| r[k]).sum::<f64>() / all.len() as f64;
                spread += all.iter().map(|r| (r[k] - mean).powi(2)).sum::<f64>();
            }
            let (rounding, spread) = (rounding.sqrt(), spread.sqrt());
            eprintln!("{difference}: rounding {rounding:.3e} spread {spread:.3e}");
            assert!(
                rounding < 0.01 * spread,
                "{difference}: f32 rounding {rounding:.3e} against a spread of {spread:.3e}"
            );
        }
    }

    /// Adaptive sampling weighs candidates by each point's loss: averaged over a batch it
    /// is the weighted PDE and constraint terms of the training loss, in every loss form.
    #[test]
    fn pointwise_losses_average_to_the_training_loss() {
        let obstacle = "time t in [0, 1]\nspace x in [0, 2]\nunknown u(t, x)\n\
                   pde d(u, t) + 0.5 * x^2 * d(u, x, x) - 0.1 * u = 0\n\
                   terminal u = max(x - 1, 0)\nboundary on(x): u = max(x - 1, 0)\n\
                   constraint u >= x - 1\n";
        let heat = "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\n\
                    pde d(u, t) = d(u, x, x) + x\ninitial u = 0\nboundary on(x): u = 0\n";
        // Monte Carlo Laplacian and gradient squares: two draws, the same noise as training.
        let cases = [
            (obstacle, "penalty"),
            (obstacle, "variational"),
            (obstacle, "complementarity"),
            (heat, "penalty"),
            (HJB5, "penalty"),
        ];
        for (src, fb) in cases {
            let mut sets = vec![
                "dtype=f64".to_string(),
                "net=dgm(layers=2, width=8)".into(),
                "weight.pde=2".into(),
            ];
            if src == obstacle {
                sets.push(format!("free_boundary={fb}"));
                sets.push("weight.constraint=3".into());
            }
            if src == HJB5 {
                sets.extend(["auto_mc_threshold=1".into(), "batch=64".into()]);
            }
            let (checked, analysis, plan) = compiled(src, &sets);
            let (prog, net) = program_and_net(&checked, &analysis, &plan, 3);
            let batches = sample(&prog, None, &mut step_rng(3, 0));
            let noise = prog.draw_noise(
                &mut step_rng(9, 0),
                prog.pde_global_rows(),
                prog.mc_estimates(),
            );
            assert_eq!(noise.is_empty(), src != HJB5);
            let (uploaded, noise) = prog.upload(&batches, &noise).expect("upload");
            let losses = prog
                .losses(&net, &uploaded, noise.as_ref())
                .expect("losses");
            let mut expect = 0.0;
            for (t, l) in plan.terms.iter().zip(&losses.terms) {
                if matches!(t.kind, TermKind::Pde | TermKind::Constraint) {
                    expect += t.weight * l.to_scalar::<f64>().expect("scalar");
                }
            }
            let k = plan
                .terms
                .iter()
                .position(|t| t.kind == TermKind::Pde)
                .expect("pde term");
            let got = prog
                .pointwise_loss(&net, &uploaded[k][0].x, &mut step_rng(9, 0))
                .expect("pointwise")
                .mean_all()
                .expect("mean")
                .to_scalar::<f64>()
                .expect("scalar");
            assert!(
                (got - expect).abs() <= 1e-12 * expect.abs().max(1.0),
                "{fb}: {got} against {expect}"
            );
        }
    }

    /// `free_boundary = variational` is the penalty's loss plus `max(s r, 0)^2` on the points
    /// where the network is on or below the obstacle (`r` the residual, `s` the sign that
    /// means "holding on is worth more"); a backward `u >= g` makes that `max(r, 0)`. Under
    /// an ansatz, "the network" is the ansatz made from it.
    #[test]
    fn variational_loss_adds_the_residual_sign_on_the_obstacle() {
        // The obstacle crosses the network's range, so both regions have points.
        let src = "time t in [0, 1]\nspace x in [0, 2]\nunknown u(t, x)\n\
                   pde d(u, t) + 0.5 * x^2 * d(u, x, x) - 0.1 * u = 0\n\
                   terminal u = max(x - 1, 0)\nboundary on(x): u = max(x - 1, 0)\n\
                   constraint u >= x - 1\n";
        // Under an ansatz the gap is the ansatz's (`x - 1` plus a part that changes sign).
        let with_ansatz = format!("{src}ansatz u = x - 1 + (1 - t) * net + 0.2 * sin(6 * x)\n");
        for src in [src, with_ansatz.as_str()] {
            free_boundary_losses_match_by_hand(src);
        }
    }

    fn free_boundary_losses_match_by_hand(src: &str) {
        let mut pde_loss = Vec::new();
        for fb in ["penalty", "variational"] {
            let sets = vec![
                "dtype=f64".to_string(),
                "net=dgm(layers=2, width=8)".into(),
                format!("free_boundary={fb}"),
            ];
            let (checked, analysis, plan) = compiled(src, &sets);
            let (prog, net) = program_and_net(&checked, &analysis, &plan, 3);
            assert_eq!(prog.active_sign, Some(-1.0));
            let batches = sample(&prog, None, &mut step_rng(3, 0));
            let (uploaded, noise) = prog.upload(&batches, &[]).expect("upload");
            let losses = prog
                .losses(&net, &uploaded, noise.as_ref())
                .expect("losses");
            let k = plan
                .terms
                .iter()
                .position(|t| t.kind == TermKind::Pde)
                .expect("pde term");
            let got = losses.terms[k].to_scalar::<f64>().expect("scalar");
            // By hand from the residuals, the network and the obstacle at the same points.
            let x = uploaded[k][0].x.clone();
            let (res, _, g) = prog.pde_residuals(&net, &x, None, 1).expect("residual");
            let r = res[0].to_vec1::<f64>().expect("r");
            let (f, g) = (
                values(&net, &checked.problem, &prog.cols, &x)
                    .and_then(|f| f.to_vec1::<f64>())
                    .expect("f"),
                g.expect("obstacle").to_vec1::<f64>().expect("g"),
            );
            let (mut off, mut on, mut wrong_sign) = (0.0, 0, 0.0);
            for i in 0..r.len() {
                if f[i] > g[i] {
                    off += r[i] * r[i];
                } else {
                    on += 1;
                    wrong_sign += r[i].max(0.0).powi(2);
                }
            }
            assert!(
                on > 0 && on < r.len(),
                "{on} of {} points on the obstacle",
                r.len()
            );
            let n = r.len() as f64;
            let expect = match fb {
                "penalty" => off / n,
                _ => {
                    assert!(wrong_sign > 0.0, "no wrong-signed residual on the obstacle");
                    (off + wrong_sign) / n
                }
            };
            assert!(
                (got - expect).abs() <= 1e-12 * expect.max(1.0),
                "{fb}: loss {got} against {expect} by hand"
            );
            pde_loss.push(got);
        }
        assert!(pde_loss[1] > pde_loss[0]);
    }
}
