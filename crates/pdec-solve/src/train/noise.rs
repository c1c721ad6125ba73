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
        let mut out = Vec::new();
        for cols in self.blocks() {
            let w: Vec<f64> = match noise {
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
            at: factors.iter().map(|b| b.columns * rows * per).sum(),
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
