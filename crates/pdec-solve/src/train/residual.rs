//! The PDE residual on a batch: the plan's terms from one forward pass of the network's jet (IR
//! terms, drifts along one direction each, exact-path second-order factors through their channels
//! or the summed channel), then the Monte Carlo estimates: each gradient square from directional
//! derivatives along its draws, each Monte Carlo factor `C = B B^T` from an antithetic pass along
//! `v = B w` per draw, read at the output of the unknown the term differentiates (a system's
//! equations each have their own). The noise is read in [`NoiseLayout`]'s order; an
//! *estimate* is one of the independent residuals the two-draw loss multiplies.
//!
//! [`NoiseLayout`]: crate::train::noise::NoiseLayout

use crate::jet::SumWeights;
use crate::lower::{self, Batch, Directions, Evaluator, Outputs};
use crate::nn::{Net, Projections};
use crate::train::program::{LossProgram, err};
use candle_core::{Result, Tensor};
use pdec_lang::passes::second_order::{Factor, Path, TriangularFactor};
use pdec_lang::plan::MonteCarloPlan;
use pdec_lang::plan::program::{EquationProgram, FactorTerm};

impl LossProgram<'_> {
    /// `sqrt(s)` `[N]` and the diagonal `[N, len]` of a factor, on a batch. `s` and a
    /// square-rooted diagonal are proven non-negative over the domain, but rounding can take
    /// them just below zero at its edge (`1 - sum(x * x)` in f32 at a point drawn on the
    /// unit ball's inside, d = 1,000): they are clamped at zero before the root, not NaN.
    fn factor_parts(
        &self,
        ev: &mut Evaluator,
        f: &Factor,
        n: usize,
    ) -> Result<(Tensor, Option<Tensor>)> {
        let s = match f.scale {
            Some(s) => ev.eval(s)?.relu()?.sqrt()?,
            None => Tensor::ones(n, self.dtype, &self.device)?,
        };
        let d = match &f.diag {
            Some(d) => {
                let v = ev.eval(d.node)?;
                Some(if d.sqrt { v.relu()?.sqrt()? } else { v })
            }
            None => None,
        };
        Ok((s, d))
    }

    /// Space variable `var`'s first column.
    fn space_offset(&self, var: usize) -> Result<usize> {
        let (off, _) = self
            .cols
            .layout
            .space(var)
            .ok_or_else(|| err("invariant: a column per space variable"))?;
        Ok(off)
    }

    /// Pads `[.., N, len]` values of a space variable's components into all D columns.
    fn pad(&self, v: &Tensor, var: usize, offset: usize) -> Result<Tensor> {
        let off = self.space_offset(var)?;
        let start = off + offset;
        let len = v.dim(v.rank() - 1)?;
        let mut parts = Vec::new();
        let mut dims = v.dims().to_vec();
        if start > 0 {
            dims[v.rank() - 1] = start;
            parts.push(Tensor::zeros(dims.clone(), self.dtype, &self.device)?);
        }
        parts.push(v.clone());
        let after = self.cols.layout.width - start - len;
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
        let TriangularFactor::Cholesky {
            tensor,
            offset,
            len,
            rank,
        } = f.triangular
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

    /// `v = B w` for one Monte Carlo draw `w` `[N, columns]`: `[N, D]`.
    fn mc_direction(&self, ev: &mut Evaluator, f: &Factor, n: usize, w: Tensor) -> Result<Tensor> {
        let (s, d) = self.factor_parts(ev, f, n)?;
        let (v, offset) = match f.triangular {
            TriangularFactor::Identity { offset, .. } => (w, offset),
            TriangularFactor::Unit { component } => (w, component),
            TriangularFactor::Cholesky {
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

    /// `v = B w` for a draw of one column `i` `[N]` (held as floats) of a diagonal factor
    /// (`L` the identity or a unit vector): the input column `v` moves at each point, `[N]`
    /// `u32`, and its value `sqrt(delta) sqrt(s) d_i`, `[N]`.
    fn mc_column(
        &self,
        ev: &mut Evaluator,
        f: &Factor,
        n: usize,
        drawn: &Tensor,
    ) -> Result<(Tensor, Tensor)> {
        let offset = match f.triangular {
            TriangularFactor::Identity { offset, .. } => offset,
            TriangularFactor::Unit { component } => component,
            TriangularFactor::Cholesky { .. } => return Err(err("invariant: a diagonal factor")),
        };
        let (s, d) = self.factor_parts(ev, f, n)?;
        let u32 = candle_core::DType::U32;
        let i = drawn.to_dtype(u32)?;
        let mut v = s.affine(self.noise.delta().sqrt(), 0.0)?;
        if let Some(d) = d {
            let d = d.broadcast_as((n, f.columns()))?.contiguous()?;
            v = (v * d.gather(&i.unsqueeze(1)?, 1)?.squeeze(1)?)?;
        }
        let column = self.space_offset(f.var)? + offset;
        let at = (drawn + column as f64)?.to_dtype(u32)?;
        Ok((at, v))
    }

    /// The exact value of a factored second-order term from the base pass.
    fn exact_factor_value(
        &self,
        ev: &mut Evaluator,
        f: &Factor,
        n: usize,
        general_start: usize,
    ) -> Result<Tensor> {
        let off = self.space_offset(f.var)?;
        let value = match f.triangular {
            TriangularFactor::Identity { offset, len } => {
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
            TriangularFactor::Unit { component } => {
                let (s, _) = self.factor_parts(ev, f, n)?;
                (ev_second(ev, off + component)? * s.sqr()?)?
            }
            TriangularFactor::Cholesky { rank, .. } => {
                // Exact-path factors belong to problems of one unknown (`plan::program`).
                let ch = ev.batch.out[0]
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
        let dirs = &self.pde_dirs;
        let mut w: Vec<W> = (0..dirs.k2).map(|_| W::Const(0.0)).collect();
        let mut general = dirs.factor_start();
        for f in self.pde.summed_reference() {
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
            let off = self.space_offset(f.var)?;
            let slot = |col: usize| -> Result<usize> {
                dirs.diag
                    .get(&col)
                    .copied()
                    .ok_or_else(|| err("invariant: a second-order direction per factor column"))
            };
            match f.triangular {
                TriangularFactor::Identity { offset, len } => {
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
                TriangularFactor::Unit { component } => {
                    add(&mut w[slot(off + component)?], base(None)?)?
                }
                TriangularFactor::Cholesky { rank, .. } => {
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

    /// The first equation's residual on a batch, with Monte Carlo terms estimated from the
    /// noise: returns one residual per estimate (one when there is no Monte Carlo term), the
    /// constrained unknown's value `[N]` (the network's, or under an ansatz with a constraint
    /// the ansatz's) and the obstacle `[N]` when there is a constraint. Weight by weight
    /// products (the tests compare with it; training stacks them, [`LossProgram::losses`]).
    #[cfg(test)]
    pub(super) fn pde_residuals(
        &self,
        net: &Net,
        x: &Tensor,
        noise: Option<&Tensor>,
    ) -> Result<(Vec<Tensor>, Tensor, Option<Tensor>)> {
        let (mut r, u, obstacle) =
            self.pde_residuals_with(net, x, noise, &Projections::default())?;
        Ok((r.swap_remove(0), u, obstacle))
    }

    /// Every equation's residuals (one per estimate) on one batch, as
    /// [`LossProgram::pde_residuals`], with the value pass and the antithetic passes sharing
    /// `projections` (the points' products with the input weights).
    pub(super) fn pde_residuals_with(
        &self,
        net: &Net,
        x: &Tensor,
        noise: Option<&Tensor>,
        projections: &Projections,
    ) -> Result<(Vec<Vec<Tensor>>, Tensor, Option<Tensor>)> {
        let n = x.dim(0)?;
        // Exact-path Cholesky directions depend on the points: evaluate their factors first
        // on a network-free evaluator (they never involve the unknown).
        let zero = [Outputs {
            f: Tensor::zeros(n, self.dtype, &self.device)?,
            t: None,
            s: None,
            sum: None,
        }];
        let empty_dirs = Directions::default();
        let coefs = net.coefficients()?;
        let mut pre = Evaluator::new(
            self.problem,
            &self.cols,
            Batch {
                x: x.clone(),
                normals: None,
                out: &zero,
                dirs: &empty_dirs,
                coefs: &coefs,
            },
        );
        let extra = self.exact_cholesky_directions(&mut pre, n)?;
        let mut jv = self.drift_directions(&mut pre, n)?;
        self.gradient_square_directions(noise, n, &mut jv)?;
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
            &self.pde_dirs,
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
                dirs: &self.pde_dirs,
                coefs: &coefs,
            },
        );
        let summed = summed.as_ref().map(|(_, c)| *c);
        let mut rests = Vec::new();
        let (mut drifts, mut general) = (0, self.pde_dirs.factor_start());
        for e in &self.pde.equations {
            rests.push(self.base_residual(&mut ev, &out, e, summed, n, drifts, general)?);
            drifts += e.drifts.len();
            general += e
                .factors
                .iter()
                .filter(|f| f.path == Path::Exact)
                .map(|f| match f.factor.triangular {
                    TriangularFactor::Cholesky { rank, .. } => rank,
                    _ => 0,
                })
                .sum::<usize>();
        }
        let obstacle = match &self.problem.constraint {
            Some(c) => Some(lower::per_point(&ev.eval(c.obstacle)?, n)?),
            None => None,
        };
        // The constraint bounds its unknown: under an ansatz that is the ansatz's value,
        // not the network's output.
        let k = self.problem.constraint.as_ref().map_or(0, |c| c.unknown);
        let u = match (&obstacle, &self.problem.unknowns[k].ansatz) {
            (Some(_), Some(a)) => lower::per_point(&ev.eval(a.node)?, n)?,
            _ => out[k].f.clone(),
        };
        let any_mc = self.pde.factors().any(|f| f.path == Path::MonteCarlo);
        if !any_mc && self.pde.squares().next().is_none() {
            return Ok((rests.into_iter().map(|r| vec![r]).collect(), u, obstacle));
        }
        // Gradient squares belong to problems of one unknown and one equation
        // (`passes::run`); Monte Carlo factors to any equation, each estimated from the
        // output of the unknown it differentiates.
        if self.pde.squares().next().is_some() && rests.len() != 1 {
            return Err(err("invariant: gradient squares in a system"));
        }
        let mut blocks = match any_mc {
            true => Some(self.noise.factor_blocks(
                noise.ok_or_else(|| err("invariant: noise for the Monte Carlo terms"))?,
                n,
            )),
            false => None,
        };
        let mut all = Vec::with_capacity(rests.len());
        for (e, rest) in self.pde.equations.iter().zip(rests) {
            let mc: Vec<&FactorTerm> = e
                .factors
                .iter()
                .filter(|f| f.path == Path::MonteCarlo)
                .collect();
            if mc.is_empty() && e.squares.is_empty() {
                // No estimate: one residual, which the loss squares.
                all.push(vec![rest]);
                continue;
            }
            let mut residuals = vec![rest; self.noise.estimates()];
            self.add_gradient_squares(&mut ev, &out[0], n, &mut residuals)?;
            // The noise is read in the plan's order: factor by factor in equation order,
            // each factor's estimates in turn.
            for f in mc {
                let blocks = blocks
                    .as_mut()
                    .ok_or_else(|| err("invariant: noise blocks for the factors"))?;
                let base = out
                    .get(f.unknown)
                    .ok_or_else(|| err("invariant: an output per unknown"))?;
                for r in residuals.iter_mut() {
                    self.add_factor_estimate(net, x, &mut ev, base, f, blocks, projections, r)?;
                }
            }
            all.push(residuals);
        }
        Ok((all, u, obstacle))
    }

    /// The directions of the exact-path Cholesky factors' columns `[r, N, D]`, stacked.
    fn exact_cholesky_directions(&self, pre: &mut Evaluator, n: usize) -> Result<Option<Tensor>> {
        let mut extra = Vec::new();
        for f in self.pde.factors().filter(|f| f.path == Path::Exact) {
            if matches!(f.factor.triangular, TriangularFactor::Cholesky { .. }) {
                extra.push(self.cholesky_dirs(pre, &f.factor, n)?);
            }
        }
        Ok(if extra.is_empty() {
            None
        } else {
            Some(Tensor::cat(&extra, 0)?)
        })
    }

    /// Drift directions b(x) `[1, N, D]`, one per drift.
    fn drift_directions(&self, pre: &mut Evaluator, n: usize) -> Result<Vec<Tensor>> {
        let mut jv = Vec::new();
        for d in self.pde.drifts() {
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
        Ok(jv)
    }

    /// Appends the gradient squares' draws `w` `[1, N, D]` to the directions `jv`.
    fn gradient_square_directions(
        &self,
        noise: Option<&Tensor>,
        n: usize,
        jv: &mut Vec<Tensor>,
    ) -> Result<()> {
        if self.pde.squares().next().is_none() {
            return Ok(());
        }
        let noise = noise.ok_or_else(|| err("invariant: noise for the gradient squares"))?;
        let mut blocks = self.noise.square_blocks(noise, n);
        for q in self.pde.squares() {
            for _ in 0..self.noise.draws_per_step() {
                let w = match self.noise.coordinates() {
                    true => self.noise.coordinate(&blocks.next_block()?, q.len)?,
                    false => blocks.next_block()?,
                };
                let w = w.reshape((1, n, q.len))?;
                jv.push(self.pad(&w, q.var, q.offset)?);
            }
        }
        Ok(())
    }

    /// One equation's residual without Monte Carlo estimates: IR terms, drifts, then the
    /// exact factors (from its unknowns' summed channels scaled by `summed` and their
    /// ratios, or term by term). Its
    /// drifts' tangents start `drifts` after the first drift's, its Cholesky directions at
    /// `general_start`; drifts and factors read the only unknown's outputs.
    #[allow(clippy::too_many_arguments)]
    fn base_residual(
        &self,
        ev: &mut Evaluator,
        out: &[Outputs],
        e: &EquationProgram,
        summed: Option<f64>,
        n: usize,
        drifts: usize,
        general_start: usize,
    ) -> Result<Tensor> {
        let mut rest = Tensor::zeros(n, self.dtype, &self.device)?;
        // Each drift's directional derivative: a term of its own, or the value of its node
        // inside an IR term (evaluated from it, not from the gradient).
        let mut own = Vec::new();
        for (k, d) in e.drifts.iter().enumerate() {
            let t = out[0]
                .t
                .as_ref()
                .ok_or_else(|| err("invariant: drift tangents"))?;
            let mut jvp = t.get(self.pde_dirs.jvp_start + drifts + k)?;
            for f in &d.scalars {
                jvp = (jvp * lower::per_point(&ev.eval(*f)?, n)?)?;
            }
            match d.inside {
                Some(node) => ev.know(node, jvp),
                None => own.push(jvp),
            }
        }
        for t in &e.ir_terms {
            let v = ev.eval(*t)?;
            rest = (rest + lower::per_point(&v, n)?)?;
        }
        for jvp in own {
            rest = (rest + jvp)?;
        }
        let exact = e.factors.iter().filter(|f| f.path == Path::Exact);
        if let Some(c) = summed {
            // Each unknown's weighted sum, times the equation's ratio to the reference's
            // weights (`plan::summed`).
            for read in &e.summed {
                let sum = out
                    .get(read.unknown)
                    .and_then(|o| o.sum.as_ref())
                    .ok_or_else(|| err("invariant: the summed channel was asked for"))?;
                rest = (rest + sum.affine(c * read.ratio, 0.0)?)?;
            }
        } else {
            let mut general_start = general_start;
            for f in exact {
                rest = (rest + self.exact_factor_value(ev, &f.factor, n, general_start)?)?;
                if let TriangularFactor::Cholesky { rank, .. } = f.factor.triangular {
                    general_start += rank;
                }
            }
        }
        Ok(rest)
    }

    /// Adds each gradient square's estimate to each residual: estimate r's is
    /// `coef * c * mean_j (w_j . grad u)^2 / delta` over its draws' tangents.
    fn add_gradient_squares(
        &self,
        ev: &mut Evaluator,
        out: &Outputs,
        n: usize,
        residuals: &mut [Tensor],
    ) -> Result<()> {
        let (delta, per) = (self.noise.delta(), self.noise.draws_per_estimate());
        let mut k = self.pde_dirs.jvp_start + self.pde.drifts().count();
        for q in self.pde.squares() {
            let t = out
                .t
                .as_ref()
                .ok_or_else(|| err("invariant: gradient-square tangents"))?;
            let weight = self.noise.weight(q.len);
            let mut c = Tensor::full(q.coef * weight / (delta * per as f64), n, &self.device)?
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
        Ok(())
    }

    /// Adds one estimate of Monte Carlo factor `f` to residual `r`, from the next
    /// `draws_per_estimate` noise blocks; `out` is the base pass's output of the factor's
    /// unknown.
    #[allow(clippy::too_many_arguments)]
    fn add_factor_estimate(
        &self,
        net: &Net,
        x: &Tensor,
        ev: &mut Evaluator,
        out: &Outputs,
        f: &FactorTerm,
        blocks: &mut crate::train::noise::NoiseBlocks,
        projections: &Projections,
        r: &mut Tensor,
    ) -> Result<()> {
        let n = x.dim(0)?;
        let (delta, per) = (self.noise.delta(), self.noise.draws_per_estimate());
        let cols = f.factor.columns();
        // The estimate averages the next `per` draws (the noise is read in order):
        // independent of the other factor and the other estimate.
        // Each factor gets its own forward pass, both signs of its draws together
        // ([x + v1, x - v1, ...]): the loss detaches the first factor, so backward
        // never walks its pass, where one pass over all draws would run backward over
        // every row.
        // A difference of values unless the plan asks for directional derivatives.
        let values = !self
            .noise
            .monte_carlo
            .as_ref()
            .is_some_and(MonteCarloPlan::shifted_tangent);
        let sparse = self.noise.coordinates()
            && !matches!(f.factor.triangular, TriangularFactor::Cholesky { .. });
        // Rows [x + v1, x - v1, ...], each with its derivative along v_j (the values
        // alone for a difference of values).
        let o = match sparse {
            // Each v_j is one input column per point: its rows of the input weights.
            true => {
                let (mut at, mut by) = (Vec::new(), Vec::new());
                for _ in 0..per {
                    let (c, v) = self.mc_column(ev, &f.factor, n, &blocks.next_block()?)?;
                    at.push(c);
                    by.push(v);
                }
                lower::forward_antithetic_columns(
                    net,
                    &self.cols,
                    x,
                    (&Tensor::cat(&at, 0)?, &Tensor::cat(&by, 0)?),
                    !values,
                    Some(projections),
                )?
            }
            false => {
                let mut vs = Vec::new();
                for _ in 0..per {
                    let w = match self.noise.coordinates() {
                        true => self.noise.coordinate(&blocks.next_block()?, cols)?,
                        false => blocks.next_block()?.reshape((n, cols))?,
                    };
                    vs.push(self.mc_direction(ev, &f.factor, n, w)?);
                }
                lower::forward_antithetic(
                    net,
                    &self.cols,
                    x,
                    &Tensor::cat(&vs, 0)?,
                    !values,
                    Some(projections),
                )?
            }
        };
        // Pair j: u(x + v_j) + u(x - v_j) - 2 u(x) (each row minus the base pass's
        // value), or (grad u(x + v_j) - grad u(x - v_j)) . v_j / 2; both estimate
        // v_j^T H v_j, which the scale turns into the term's estimate.
        // The shifted passes' output of the term's unknown.
        let o = o
            .get(f.unknown)
            .ok_or_else(|| err("invariant: an output per unknown"))?;
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
        let scale = f.factor.sign * self.noise.weight(cols) / (delta * per as f64);
        for j in 0..per {
            *r = (&*r + (pair(j)? * scale)?)?;
        }
        Ok(())
    }
}

fn ev_second(ev: &Evaluator, col: usize) -> Result<Tensor> {
    let k = *ev
        .batch
        .dirs
        .diag
        .get(&col)
        .ok_or_else(|| err("invariant: diagonal channel for a factor"))?;
    // Exact-path factors belong to problems of one unknown (`plan::program`).
    ev.batch.out[0]
        .s
        .as_ref()
        .ok_or_else(|| err("invariant: channels"))?
        .get(k)
}
