//! The loss program: what a training step evaluates, built once before training from the
//! problem and its plan alone. The plan decides what each term computes and the derivatives
//! each pass reads (`plan::program`) and the Monte Carlo estimator (`plan::MonteCarloPlan`);
//! this module turns them into the network's tangent directions ([`Directions`]) and the
//! noise buffer's layout ([`NoiseLayout`]). The residual ([`crate::train::residual`]) and
//! the losses ([`crate::train::loss`]) are further `impl LossProgram` blocks.

use crate::lower::{Columns, Directions};
use crate::train::noise::NoiseLayout;
use candle_core::{DType, Device};
use pdec_lang::geometry::Layout;
use pdec_lang::ir::Problem;
use pdec_lang::plan::Plan;
use pdec_lang::plan::program::{ConditionProgram, PdeProgram};
use pdec_lang::settings::PlanSettings;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;

/// An invariant's breach as a candle error.
pub(super) fn err(msg: impl Into<String>) -> candle_core::Error {
    candle_core::Error::Msg(msg.into())
}

/// One condition's program with the tangent directions of its pass.
pub struct ConditionPass<'a> {
    pub(super) program: &'a ConditionProgram,
    pub(super) dirs: Directions,
}

/// Everything needed to compute the losses of one problem, built once before training.
pub struct LossProgram<'a> {
    pub problem: &'a Problem,
    pub plan: &'a Plan,
    pub settings: &'a PlanSettings,
    pub cols: Columns,
    pub layout: Layout,
    /// The PDE's program (the plan's) and the tangent directions of its base pass: the
    /// derivatives it reads, then one per drift and per Monte Carlo draw of each gradient
    /// square.
    pub(super) pde: &'a PdeProgram,
    pub(super) pde_dirs: Directions,
    pub(super) conditions: Vec<Option<ConditionPass<'a>>>,
    /// The sign the residual must have where the constraint is active, if known.
    pub(super) active_sign: Option<f64>,
    /// The Monte Carlo estimator and its noise buffer's layout.
    pub(super) noise: NoiseLayout,
    pub device: Device,
    pub dtype: DType,
    /// This process's rank and the number of ranks: it trains on its slice of every
    /// global batch (`distributed`).
    pub shard: (usize, usize),
    /// Threads that each train on a contiguous slice of this rank's rows, their gradients
    /// summed (CPU only; see [`crate::train::step::train_step`]).
    pub workers: usize,
}

impl<'a> LossProgram<'a> {
    /// The loss program of a checked problem and its plan, on `device`: one rank, one thread
    /// (callers set `shard` and `workers`).
    pub fn new(problem: &'a Problem, plan: &'a Plan, device: Device) -> LossProgram<'a> {
        let settings = &plan.settings;
        let cols = Columns::new(&plan.layout);
        let layout = Layout::with_settings(problem, settings);
        let dtype = match settings.dtype {
            pdec_lang::settings::DType::F32 => DType::F32,
            pdec_lang::settings::DType::F64 => DType::F64,
        };
        let pde = &plan.program.pde;
        let noise = NoiseLayout::new(plan.monte_carlo.as_ref());
        // The derivatives' directions, then the drifts', then one per Monte Carlo draw of
        // each gradient square.
        let square_jvps = pde.squares().count() * noise.draws_per_step();
        let pde_dirs = Directions::new(
            &pde.needs,
            &cols,
            pde.general,
            &pde.unit_diag,
            pde.drifts().count() + square_jvps,
        );
        let conditions = plan
            .program
            .conditions
            .iter()
            .map(|c| {
                c.as_ref().map(|program| ConditionPass {
                    program,
                    dirs: Directions::new(&program.needs, &cols, 0, &BTreeSet::new(), 0),
                })
            })
            .collect();
        LossProgram {
            problem,
            plan,
            settings,
            cols,
            layout,
            pde,
            pde_dirs,
            conditions,
            active_sign: plan.program.active_sign,
            noise,
            device,
            dtype,
            shard: (0, 1),
            workers: 1,
        }
    }

    /// Rows `lo..hi` of a global batch of `n` rows that this rank trains on.
    pub fn rows(&self, n: usize) -> (usize, usize) {
        let (rank, size) = self.shard;
        (n * rank / size, n * (rank + 1) / size)
    }

    /// Monte Carlo noise of one step for the PDE batch: drawn for the global batch and cut
    /// to this rank's rows ([`NoiseLayout::draw`]); `LossProgram::upload` sends it with
    /// the points in one transfer.
    pub fn draw_noise(&self, rng: &mut ChaCha8Rng) -> Vec<f64> {
        let global = self.plan.pde_batch();
        self.noise.draw(rng, global, self.rows(global))
    }
}
