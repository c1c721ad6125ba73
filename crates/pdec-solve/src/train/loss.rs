//! The losses of a step: each plan term's loss on its batches ([`LossProgram::losses`]),
//! the PDE term's under the free-boundary form in force, and each point's loss for adaptive
//! sampling ([`LossProgram::pointwise_loss`]). With Monte Carlo terms the PDE term is the
//! two-draw loss `2 mean(detach(A(w)) A(w~))`, whose gradient is unbiased for that of
//! `mean(A^2)`.

use crate::lower::{self, Batch, Evaluator};
use crate::nn::{Net, Projections};
use crate::train::program::{ConditionPass, LossProgram, err};
use crate::train::upload::Uploaded;
use candle_core::{Result, Tensor};
use pdec_lang::plan::{LossTerm, TermKind};
use pdec_lang::settings::FreeBoundaryLoss;
use rand_chacha::ChaCha8Rng;

/// Where a loss's points come from, which decides how a gauge is estimated
/// ([`LossProgram::gauge_loss`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Points {
    /// New points every step (the Adam steps): the estimate must be unbiased over draws.
    Fresh,
    /// One fixed set (the polish's quasi-Newton minimisation): the loss is a function of
    /// the weights on those points, and must be bounded below on them.
    Fixed,
}

/// The losses of one step: one scalar per plan term, in plan order.
pub struct StepLosses {
    pub terms: Vec<Tensor>,
    /// The stacked input products of the step's passes: part of the input weights' gradients
    /// comes from them after backward ([`nn::parameter_gradients`]).
    pub projections: Vec<Projections>,
}

/// The PDE term's loss, pointwise and before weights: pairs `(a, b)` of the two draws'
/// residuals (the same tensor twice without Monte Carlo terms), masked where the
/// free-boundary form says, whose products summed are each point's loss; and, with a
/// constraint, the gap `u - g` (`g - u` for `<=`) whose negative part is a violation.
struct PdeLossParts {
    pairs: Vec<(Tensor, Tensor)>,
    gap: Option<Tensor>,
}

impl LossProgram<'_> {
    /// The losses of every term on the given batches (`batches[k]` for plan term k), drawn
    /// afresh for this step.
    pub fn losses(
        &self,
        net: &Net,
        batches: &[Vec<Uploaded>],
        noise: Option<&Tensor>,
    ) -> Result<StepLosses> {
        self.losses_on(net, batches, noise, Points::Fresh)
    }

    /// [`LossProgram::losses`] on points drawn afresh or fixed (`points`).
    pub fn losses_on(
        &self,
        net: &Net,
        batches: &[Vec<Uploaded>],
        noise: Option<&Tensor>,
        points: Points,
    ) -> Result<StepLosses> {
        let mut terms: Vec<Option<Tensor>> = vec![None; self.plan.terms.len()];
        // The equations' terms, in equation order; all are evaluated on the first one's
        // points (one base pass gives every unknown's derivatives).
        let pde_terms: Vec<usize> = (0..self.plan.terms.len())
            .filter(|k| self.plan.terms[*k].kind == TermKind::Pde)
            .collect();
        let pde_index = *pde_terms
            .first()
            .ok_or_else(|| err("invariant: a pde term"))?;
        let x = batches[pde_index][0].x.clone();
        let has_mc = self.noise.estimates() == 2;
        let mut projections = vec![Projections::for_net(net)];
        let (res, f, obstacle) = self.pde_residuals_with(net, &x, noise, &projections[0])?;
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
        for (e, index) in pde_terms.iter().enumerate() {
            let PdeLossParts { pairs, gap } =
                self.pde_loss_pairs(e, &res[e], &f, obstacle.as_ref())?;
            let mut pde: Option<Tensor> = None;
            for (a, b) in &pairs {
                let l = sq(a, b)?;
                pde = Some(match pde {
                    Some(p) => (p + l)?,
                    None => l,
                });
            }
            terms[*index] = pde;
            if let Some(gap) = gap
                && let Some(ci) = self
                    .plan
                    .terms
                    .iter()
                    .position(|t| t.kind == TermKind::Constraint)
            {
                terms[ci] = Some(gap.neg()?.relu()?.sqr()?.mean_all()?);
            }
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
            terms[k] = Some(self.condition_loss(net, term, prog, &batches[k], &p, points)?);
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
        let w = self.noise.draw(rng, n, (0, n));
        let noise = self.noise_on_device(w)?;
        let (res, f, obstacle) =
            self.pde_residuals_with(net, x, noise.as_ref(), &Projections::for_net(net))?;
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
        let pde_weights: Vec<f64> = self
            .plan
            .terms
            .iter()
            .filter(|t| t.kind == TermKind::Pde)
            .map(|t| t.weight)
            .collect();
        let mut total = Tensor::zeros(n, self.dtype, &self.device)?;
        for (e, w) in pde_weights.iter().enumerate() {
            let PdeLossParts { pairs, gap } =
                self.pde_loss_pairs(e, &res[e], &f, obstacle.as_ref())?;
            let mut pde = Tensor::zeros(n, self.dtype, &self.device)?;
            for (a, b) in &pairs {
                pde = (pde + (a * b)?)?;
            }
            total = (total + pde.affine(*w, 0.0)?)?;
            if let Some(gap) = gap {
                let violation = gap.neg()?.relu()?.sqr()?;
                total = (total + violation.affine(weight(TermKind::Constraint), 0.0)?)?;
            }
        }
        Ok(total)
    }

    /// The PDE term's pieces under the free-boundary form in force ([`PdeLossParts`]).
    /// [`LossProgram::losses`] takes means of them, [`LossProgram::pointwise_loss`] keeps
    /// them per point, so training and adaptive sampling weigh points alike.
    /// Equation `e`'s: the constraint's loss form applies to the equation solved for the
    /// constrained unknown.
    fn pde_loss_pairs(
        &self,
        e: usize,
        res: &[Tensor],
        f: &Tensor,
        obstacle: Option<&Tensor>,
    ) -> Result<PdeLossParts> {
        let (a, b) = (&res[0], res.get(1).unwrap_or(&res[0]));
        let constrained = self.problem.constraint.as_ref().filter(|c| {
            self.problem
                .pdes
                .get(e)
                .is_some_and(|p| p.unknown == c.unknown)
        });
        let (Some(c), Some(g)) = (constrained, obstacle) else {
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

    /// A condition term's loss: the mean squared residual on its batch, or for a
    /// periodic condition the mismatch of values and slopes between its two faces.
    fn condition_loss(
        &self,
        net: &Net,
        term: &LossTerm,
        prog: &ConditionPass,
        batches: &[Uploaded],
        projections: &Projections,
        points: Points,
    ) -> Result<Tensor> {
        let coefs = net.coefficients()?;
        if term.kind == TermKind::Periodic {
            let mut vals = Vec::new();
            for b in batches {
                let x = &b.x;
                let out = lower::forward(net, &self.cols, x, &prog.dirs, None, None, None)?;
                if let Some(slope) = prog.program.periodic_slope {
                    let n = x.dim(0)?;
                    let mut ev = Evaluator::new(
                        self.problem,
                        &self.cols,
                        Batch {
                            x: x.clone(),
                            normals: None,
                            out: &out,
                            dirs: &prog.dirs,
                            coefs: &coefs,
                        },
                    );
                    let u = lower::per_point(&ev.eval(term.residual)?, n)?;
                    let t = lower::per_point(&ev.eval(slope)?, n)?;
                    vals.push((u, t));
                    continue;
                }
                // `periodic x`: one term per unknown, its residual that unknown.
                let k = self.problem.graph.op(term.residual).unknown().unwrap_or(0);
                let out = out
                    .into_iter()
                    .nth(k)
                    .ok_or_else(|| err("invariant: an output per unknown"))?;
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
        if term.kind == TermKind::Gauge {
            return self.gauge_loss(net, term, prog, batches, points);
        }
        let (x, normals) = (batches[0].x.clone(), batches[0].normals.clone());
        let n = x.dim(0)?;
        let out = lower::forward_with(
            net,
            &self.cols,
            &x,
            &prog.dirs,
            None,
            if prog.program.needs.normal {
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
                coefs: &coefs,
            },
        );
        let r = lower::per_point(&ev.eval(term.residual)?, n)?;
        // A data term's residual is the misfit to the observed values.
        let r = match (term.kind, &batches[0].values) {
            (TermKind::Data, Some(y)) => (r - y)?,
            (TermKind::Data, None) => return Err(err("invariant: a data batch has its values")),
            _ => r,
        };
        r.sqr()?.mean_all()
    }
}

impl LossProgram<'_> {
    /// A gauge's loss on fresh points, a U-statistic: the mean of `r r'` over distinct
    /// points of a row of its groups (the same time and parameters, independent space
    /// points; every pair of points where there is neither), where `r = u - value`. Its
    /// expectation is the mean over time of `(mean over space of u - value)^2`, with no bias
    /// from the batch (the square of one batch's mean adds the variance of `u` over the
    /// batch, whose gradient would flatten it); like a Monte Carlo PDE term's, its value on
    /// one batch may be slightly negative. On a fixed set (the polish) the square of the
    /// row's mean of `r - anchor` instead, the anchor `r` at the network the set was
    /// anchored at ([`crate::train::FixedSet::anchored`]): the U-statistic is unbounded
    /// below on fixed points (its `- sum r^2` rewards spreading `r`), and `r` alone would ask
    /// the set's mean of `u` to vanish, which differs from the domain's by the set's sampling
    /// error (`std(u) / sqrt(m)`, 0.025 for Kovasznay's pressure on 1,024 points), so the
    /// polish would reshape `u` to fit that error. Anchored, the polish keeps the constant
    /// where the Adam steps left it and leaves the shape to the equations. The groups' points
    /// go through the network as one pass.
    fn gauge_loss(
        &self,
        net: &Net,
        term: &LossTerm,
        prog: &ConditionPass,
        batches: &[Uploaded],
        points: Points,
    ) -> Result<Tensor> {
        let k = batches.len();
        let rows = batches.first().map_or(Ok(0), |b| b.x.dim(0))?;
        if k < 2 {
            return Err(err("invariant: a gauge has two batches or more"));
        }
        let xs: Vec<&Tensor> = batches.iter().map(|b| &b.x).collect();
        let x = Tensor::cat(&xs, 0)?;
        let mut r = self.gauge_residual(net, term, prog, &x)?;
        if points == Points::Fixed {
            // Anchored ([`crate::train::FixedSet::anchored`]): the change since the anchor.
            let anchors: Option<Vec<&Tensor>> = batches.iter().map(|b| b.values.as_ref()).collect();
            if let Some(a) = anchors {
                r = (r - Tensor::cat(&a, 0)?.to_dtype(self.dtype)?)?;
            }
        }
        // `(sum r)^2 - sum r^2` is the sum of `r r'` over ordered pairs of distinct points (on
        // a fixed set, the square of the mean change itself: see above).
        let pairs = |r: &Tensor, dim: usize, m: usize| -> Result<Tensor> {
            let s = r.sum(dim)?;
            if points == Points::Fixed {
                return s.sqr()?.affine(1.0 / (m * m) as f64, 0.0);
            }
            let q = r.sqr()?.sum(dim)?;
            (s.sqr()? - q)?.affine(1.0 / (m * (m - 1)) as f64, 0.0)
        };
        if self.problem.time.is_none() && self.problem.params.is_empty() {
            // Nothing shared: every two points of the batches are a pair.
            return pairs(&r, 0, k * rows);
        }
        pairs(&r.reshape((k, rows))?, 0, k)?.mean_all()
    }

    /// A gauge's residual `u - value` at each of the points `x` `[N, D]`: `[N]`.
    pub(crate) fn gauge_residual(
        &self,
        net: &Net,
        term: &LossTerm,
        prog: &ConditionPass,
        x: &Tensor,
    ) -> Result<Tensor> {
        let coefs = net.coefficients()?;
        let out = lower::forward(net, &self.cols, x, &prog.dirs, None, None, None)?;
        let mut ev = Evaluator::new(
            self.problem,
            &self.cols,
            Batch {
                x: x.clone(),
                normals: None,
                out: &out,
                dirs: &prog.dirs,
                coefs: &coefs,
            },
        );
        lower::per_point(&ev.eval(term.residual)?, x.dim(0)?)
    }

    /// Each gauge's residual at the points of `batches` (a step's, as [`crate::train::sample`]
    /// draws them, not uploaded): one vector per batch of each gauge term, `None` for every
    /// other term.
    pub fn gauge_residuals(
        &self,
        net: &Net,
        batches: &[Vec<pdec_lang::geometry::Batch>],
    ) -> Result<Vec<Option<Vec<Vec<f64>>>>> {
        let mut all = Vec::with_capacity(batches.len());
        for (k, term) in self.plan.terms.iter().enumerate() {
            let (TermKind::Gauge, Some(prog)) = (term.kind, &self.conditions[k]) else {
                all.push(None);
                continue;
            };
            let mut per_batch = Vec::new();
            for b in &batches[k] {
                let x = Tensor::from_slice(&b.points, (b.n, b.width), &self.device)?
                    .to_dtype(self.dtype)?;
                let r = self.gauge_residual(net, term, prog, &x)?;
                per_batch.push(r.to_dtype(candle_core::DType::F64)?.to_vec1::<f64>()?);
            }
            all.push(Some(per_batch));
        }
        Ok(all)
    }
}
