//! The points a training trains on: each term's batches drawn for a step ([`sample`]),
//! carried between steps with the adaptive pool ([`CarriedPoints`]), or drawn once for a
//! deterministic loss ([`FixedSet`], for the polish).

use crate::adaptive::Pool;
use crate::distributed::Comm;
use crate::nn::Net;
use crate::train::loss::Points;
use crate::train::parallel::{Weighing, rank_shares, sum_passes, worker_passes};
use crate::train::program::LossProgram;
use crate::train::rng::{NOISE_KEY, step_rng};
use candle_core::{DType, Result};
use pdec_lang::geometry;
use pdec_lang::geometry::sequence::{QuasiRandom, mix, quasi_random};
use pdec_lang::plan::TermKind;
use pdec_lang::settings::RunSettings;

/// The points a training carries from step to step: each term's batches (reused for
/// `resample_every` steps) and the adaptive sampling's pool of candidates. (Not to be
/// confused with the Monte Carlo draws: those are noise, drawn afresh every step.)
#[derive(Default)]
pub struct CarriedPoints {
    pub batches: Vec<Vec<geometry::Batch>>,
    pool: Option<Pool>,
}

impl CarriedPoints {
    /// Forget everything: the next step draws afresh (a rollback to a checkpoint).
    pub fn clear(&mut self) {
        self.batches.clear();
        self.pool = None;
    }

    /// Makes the batches step `step` trains on: kept from an earlier step, or drawn again
    /// when due (every `resample_every` steps, or from a new adaptive pool).
    pub(super) fn prepare(
        &mut self,
        program: &LossProgram,
        run: &RunSettings,
        net: &Net,
        step: u64,
        comm: &Comm,
    ) -> Result<()> {
        // Points come from the step that drew them and noise from this step, each keyed by
        // seed and step alone: a resumed run (empty `batches`) redraws exactly the same points.
        let mut drawn_at = step - step % run.resample_every;
        if let Some(a) = &program.settings.adaptive {
            // Rebuilt at checkpoints too, and the points drawn again from each new pool, so
            // that a run resumed from a checkpoint rebuilds the same pool and draws the same
            // points (whatever `resample_every`).
            let due = step.is_multiple_of(a.every)
                || (run.checkpoint_every > 0 && step.is_multiple_of(run.checkpoint_every));
            if self.pool.as_ref().is_none_or(|p| due && p.built_at != step) {
                self.pool = Some(Pool::build(program, net, a, run.seed, step, comm)?);
                drawn_at = step;
            }
        }
        if step == drawn_at || self.batches.is_empty() {
            self.batches = sample(
                program,
                self.pool.as_ref(),
                DrawKey {
                    seed: run.seed,
                    number: drawn_at,
                },
            );
        }
        Ok(())
    }
}

/// Which draw of a run a set of batches is: the run's seed and the draw's number (the step
/// that drew it, or a fixed set's index). The points are a function of these two alone.
#[derive(Clone, Copy, Debug)]
pub struct DrawKey {
    pub seed: u64,
    pub number: u64,
}

/// Draws each term's batches: the global batch, of which this rank keeps its rows. With a
/// `pool` (adaptive sampling), the PDE's points are drawn from it. Under `sampling = sobol |
/// halton` each term's points are the next `batch` points of its own scrambled sequence
/// (keyed by the seed and the term; draw `n` takes points `n * batch ..`), padded with the
/// pseudo-random stream, which is otherwise the only source.
pub fn sample(
    program: &LossProgram,
    pool: Option<&Pool>,
    at: DrawKey,
) -> Vec<Vec<geometry::Batch>> {
    let rng = &mut step_rng(at.seed, at.number);
    let kind = quasi_random(program.settings.sequence);
    let first_pde = program
        .plan
        .terms
        .iter()
        .position(|t| t.kind == TermKind::Pde);
    program
        .plan
        .terms
        .iter()
        .enumerate()
        .map(|(i, t)| match t.kind {
            // The constraint is evaluated on the PDE's points, and a system's every equation
            // on the first equation's (one base pass gives every unknown's derivatives).
            TermKind::Constraint => Vec::new(),
            TermKind::Pde if Some(i) != first_pde => Vec::new(),
            _ => {
                let all = match (t.kind, pool, kind) {
                    (TermKind::Pde, Some(p), _) => vec![p.draw(t.batch, rng)],
                    // Data rows are drawn from the pseudo-random stream whatever `sampling`.
                    (TermKind::Data, _, _) => geometry::sample_region(
                        program.problem,
                        &program.layout,
                        &t.region,
                        t.batch,
                        rng,
                    ),
                    (_, _, None) => geometry::sample_region(
                        program.problem,
                        &program.layout,
                        &t.region,
                        t.batch,
                        rng,
                    ),
                    (_, _, Some(kind)) => {
                        let key = mix(at.seed ^ mix(i as u64 + 1));
                        let first = at.number.wrapping_mul(t.batch as u64);
                        geometry::sample_region(
                            program.problem,
                            &program.layout,
                            &t.region,
                            t.batch,
                            &mut QuasiRandom::new(kind, key, first, rng),
                        )
                    }
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

/// A fixed training set: batches drawn once (with their Monte Carlo noise), so that the loss
/// is a deterministic function of the weights, as a quasi-Newton method needs.
pub struct FixedSet {
    sets: Vec<(Vec<Vec<geometry::Batch>>, Vec<f64>)>,
    /// The balance's multipliers of the terms' weights, fixed (ones unless [`FixedSet::weighed`]).
    multipliers: Vec<f64>,
}

impl FixedSet {
    /// `count` batches of every term, each drawn as a training step draws its own (this
    /// rank's rows of them), keyed by the run's `seed` and `key` so that they are new points.
    pub fn draw(program: &LossProgram, seed: u64, count: usize, key: u64) -> FixedSet {
        let sets = (0..count as u64)
            .map(|k| {
                let batches = sample(
                    program,
                    None,
                    DrawKey {
                        seed: seed ^ key,
                        number: k,
                    },
                );
                let noise = program.draw_noise(&mut step_rng(seed ^ key ^ NOISE_KEY, k));
                (batches, noise)
            })
            .collect();
        let multipliers = vec![1.0; program.plan.terms.len()];
        FixedSet { sets, multipliers }
    }

    /// The same set with the terms' weights multiplied by `multipliers` (the balance the
    /// Adam steps ended with), one per term.
    pub fn weighed(mut self, multipliers: &[f64]) -> FixedSet {
        if multipliers.len() == self.multipliers.len() {
            self.multipliers = multipliers.to_vec();
        }
        self
    }

    /// The same set with each gauge's points carrying the gauge's residual at `net` (the
    /// network the polish starts from) as their values: on a fixed set a gauge measures how
    /// far its mean has moved since ([`LossProgram::losses_on`] with [`Points::Fixed`]),
    /// not the set's own mean, whose sampling error the polish would otherwise fit.
    pub fn anchored(mut self, program: &LossProgram, net: &Net) -> Result<FixedSet> {
        for (batches, _) in &mut self.sets {
            let residuals = program.gauge_residuals(net, batches)?;
            for (term, r) in batches.iter_mut().zip(residuals) {
                let Some(r) = r else { continue };
                for (b, v) in term.iter_mut().zip(r) {
                    b.values = Some(v);
                }
            }
        }
        Ok(self)
    }

    /// The balance's multiplier of each term's weight.
    pub fn multipliers(&self) -> &[f64] {
        &self.multipliers
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
            let weighing = Weighing {
                multipliers: &self.multipliers,
                term_gradients: false,
                points: Points::Fixed,
            };
            let passes = worker_passes(program, net, batches, noise, &share, weighing)?;
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
