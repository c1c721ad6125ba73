//! The Monte Carlo noise buffer: [`NoiseLayout`] is the one owner of how a step's noise is
//! laid out, drawn and cut into rows, from the plan's Monte Carlo section (the estimator's
//! delta, noise law, difference, estimates and draws, and each term's columns).
//!
//! Terms: an *estimate* is one independent estimate of the PDE residual (2 with a Monte
//! Carlo term, for the two-draw loss; else 1); a *draw* is one noise vector `w` per point,
//! and each estimate averages `draws_per_estimate` (`mc_draws`) of them; a *block* is the
//! `[rows, columns]` noise of one draw of one Monte Carlo factor or gradient square. The
//! buffer holds every factor's blocks (estimate by estimate, draw by draw), then every
//! gradient square's, each block row-major.

use candle_core::{Result, Tensor};
use pdec_lang::plan::{MonteCarloPlan, NoiseBlock};
use pdec_lang::settings::McNoise;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// The layout of a step's Monte Carlo noise buffer (see the module's terms), from the plan's
/// Monte Carlo section.
#[derive(Clone, Debug)]
pub struct NoiseLayout {
    /// The plan's estimator; `None` when no term takes the Monte Carlo path.
    pub monte_carlo: Option<MonteCarloPlan>,
}

impl NoiseLayout {
    /// The layout of the plan's Monte Carlo terms (none without them).
    pub fn new(monte_carlo: Option<&MonteCarloPlan>) -> NoiseLayout {
        NoiseLayout {
            monte_carlo: monte_carlo.cloned(),
        }
    }

    /// Independent estimates of the residual per step: 2 with a Monte Carlo term, else 1.
    pub fn estimates(&self) -> usize {
        self.monte_carlo.as_ref().map_or(1, |m| m.estimates)
    }

    /// Draws averaged in each estimate.
    pub fn draws_per_estimate(&self) -> usize {
        self.monte_carlo
            .as_ref()
            .map_or(1, |m| m.draws_per_estimate)
    }

    /// Draws per step of one Monte Carlo term: every estimate's.
    pub fn draws_per_step(&self) -> usize {
        self.estimates() * self.draws_per_estimate()
    }

    /// The variance of each noise component.
    pub fn delta(&self) -> f64 {
        self.monte_carlo.as_ref().map_or(1e-3, |m| m.delta)
    }

    /// Whether the buffer holds drawn columns (`mc_noise = coordinates`) instead of `w`.
    pub fn coordinates(&self) -> bool {
        self.monte_carlo
            .as_ref()
            .is_some_and(|m| m.noise == McNoise::Coordinates)
    }

    /// `w = sqrt(delta) e_i` `[N, n]` of a block of drawn columns `i` `[N]` (held as floats).
    pub fn coordinate(&self, cols: &Tensor, n: usize) -> Result<Tensor> {
        let all = Tensor::arange(0u32, n as u32, cols.device())?.unsqueeze(0)?;
        cols.to_dtype(candle_core::DType::U32)?
            .unsqueeze(1)?
            .broadcast_eq(&all)?
            .to_dtype(cols.dtype())?
            .affine(self.delta().sqrt(), 0.0)
    }

    /// The factor that makes a draw of a term of `columns` columns unbiased: `n` under
    /// `mc_noise = coordinates` (one of the `n` columns is drawn), 1 otherwise.
    pub fn weight(&self, columns: usize) -> f64 {
        match self.monte_carlo.as_ref().map(|m| m.noise) {
            Some(McNoise::Coordinates) => columns as f64,
            _ => 1.0,
        }
    }

    /// The columns of each block, in buffer order.
    fn blocks(&self) -> Vec<usize> {
        self.monte_carlo
            .as_ref()
            .map(MonteCarloPlan::noise_blocks)
            .unwrap_or_default()
    }

    /// The noise of one step for a batch of `global` rows: every block drawn for the global
    /// batch and cut to rows `lo..hi`, so that the draws do not depend on how the rows are
    /// shared between ranks. Drawn on the host so that runs are reproducible on every
    /// device.
    pub fn draw(&self, rng: &mut ChaCha8Rng, global: usize, (lo, hi): (usize, usize)) -> Vec<f64> {
        let sd = self.delta().sqrt();
        let noise = self
            .monte_carlo
            .as_ref()
            .map_or(McNoise::Rademacher, |m| m.noise);
        if noise == McNoise::Coordinates {
            return self.draw_coordinates(rng, global, (lo, hi));
        }
        let mut out = Vec::new();
        for cols in self.blocks() {
            let w: Vec<f64> = match noise == McNoise::Gaussian {
                true => (0..global * cols)
                    .map(|_| sd * Distribution::<f64>::sample(&StandardNormal, rng))
                    .collect(),
                false => (0..global * cols)
                    .map(|_| if rng.random::<bool>() { sd } else { -sd })
                    .collect(),
            };
            out.extend_from_slice(&w[lo * cols..hi * cols]);
        }
        out
    }

    /// [`NoiseLayout::draw`] under `mc_noise = coordinates`: per term, estimate and row, the
    /// estimate's draws take distinct columns `i` (a fresh permutation each `n` draws, so each
    /// draw's column is uniform), and the buffer holds `i` itself, one value per point and
    /// draw: `w = sqrt(delta) e_i` ([`NoiseLayout::coordinate`]), `E[w w^T] = (delta / n)
    /// I`, and the estimate multiplies by `n` ([`NoiseLayout::weight`]). The shift `v = B w`
    /// stays as long as one Rademacher component, so the difference of values is as accurate
    /// as at `d = 1`, where `sqrt(delta n) e_i` would move `x` by `sqrt(delta n)`.
    fn draw_coordinates(
        &self,
        rng: &mut ChaCha8Rng,
        global: usize,
        (lo, hi): (usize, usize),
    ) -> Vec<f64> {
        let Some(mc) = &self.monte_carlo else {
            return Vec::new();
        };
        let per = mc.draws_per_estimate;
        let mut out = Vec::new();
        for term in mc.factors.iter().chain(&mc.gradient_squares) {
            let n = term.columns;
            let mut perm: Vec<usize> = (0..n).collect();
            for _ in 0..mc.estimates {
                // picks[row * per + j]: the column of draw j at this row.
                let mut picks = vec![0usize; global * per];
                for row in 0..global {
                    for j in 0..per {
                        // Partial Fisher-Yates: position j % n takes a uniform pick of the rest.
                        let at = j % n;
                        let k = rng.random_range(at..n);
                        perm.swap(at, k);
                        picks[row * per + j] = perm[at];
                    }
                }
                for j in 0..per {
                    out.extend((lo..hi).map(|row| picks[row * per + j] as f64));
                }
            }
        }
        out
    }

    /// Rows `lo..hi` of noise drawn for `rows` rows (each block cut the same way): a
    /// thread's part of its rank's noise.
    pub fn cut_rows(&self, noise: &[f64], rows: usize, lo: usize, hi: usize) -> Vec<f64> {
        let mut out = Vec::new();
        let mut at = 0;
        for cols in self.blocks() {
            out.extend_from_slice(&noise[at + lo * cols..at + hi * cols]);
            at += rows * cols;
        }
        out
    }

    /// Reads the Monte Carlo factors' blocks of a noise tensor for `rows` rows, in order.
    pub fn factor_blocks<'a>(&self, noise: &'a Tensor, rows: usize) -> NoiseBlocks<'a> {
        NoiseBlocks {
            noise,
            rows,
            blocks: self.blocks(),
            next: 0,
            at: 0,
        }
    }

    /// Reads the gradient squares' blocks of a noise tensor for `rows` rows, in order
    /// (after the factors' blocks).
    pub fn square_blocks<'a>(&self, noise: &'a Tensor, rows: usize) -> NoiseBlocks<'a> {
        let per = self.draws_per_step();
        let factors: &[NoiseBlock] = self.monte_carlo.as_ref().map_or(&[], |m| &m.factors);
        NoiseBlocks {
            noise,
            rows,
            blocks: self.blocks(),
            next: factors.len() * per,
            at: self.blocks()[..factors.len() * per].iter().sum::<usize>() * rows,
        }
    }
}

/// A reader of a noise tensor's blocks, in the layout's order.
pub struct NoiseBlocks<'a> {
    noise: &'a Tensor,
    rows: usize,
    blocks: Vec<usize>,
    /// The next block's index and its offset in the buffer.
    next: usize,
    at: usize,
}

impl NoiseBlocks<'_> {
    /// The next block, flat `[rows * columns]`.
    pub fn next_block(&mut self) -> Result<Tensor> {
        let cols = *self
            .blocks
            .get(self.next)
            .ok_or_else(|| candle_core::Error::Msg("invariant: a noise block per draw".into()))?;
        let w = self.noise.narrow(0, self.at, self.rows * cols)?;
        self.next += 1;
        self.at += self.rows * cols;
        Ok(w)
    }
}
