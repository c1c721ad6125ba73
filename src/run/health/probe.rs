//! The network's spread at fixed points, read at the end of each window.

use super::SpreadReference;
use crate::run::error::RunError;
use candle_core::{DType, Tensor};
use pdec_solve::nn::Net;
use pdec_solve::train::{self, LossProgram};
use rand::SeedableRng;

/// Fixed interior points, drawn once from their own stream (the training's streams are
/// untouched), where the network's spread is read at each window's end.
pub(crate) struct SpreadProbe {
    x: Tensor,
}

/// Points of the spread reading: enough for a standard deviation to within a few percent,
/// a forward pass without derivatives (far less than a training step).
const PROBE_POINTS: usize = 512;

impl SpreadProbe {
    /// The probe and what its readings are compared with.
    pub fn new(program: &LossProgram, seed: u64) -> Result<(Self, SpreadReference), RunError> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x6865_616c_7468);
        let b = pdec_lang::geometry::sample_interior(
            program.problem,
            &program.layout.uniform(),
            PROBE_POINTS,
            &mut rng,
        );
        let (x, _) = program.tensor(&b)?;
        let reference = match program.problem.single().and_then(|u| u.exact) {
            Some(e) => {
                let x64 = x.to_dtype(DType::F64)?;
                let v =
                    train::eval_free(program.problem, &program.cols, e, &x64)?.to_vec1::<f64>()?;
                let (mean, sd) = mean_sd(&v);
                // A constant exact solution: a constant network is right.
                match sd > 1e-9 * mean.abs().max(1.0) {
                    true => SpreadReference::Exact(sd),
                    false => SpreadReference::Off,
                }
            }
            None => SpreadReference::Conditions,
        };
        Ok((SpreadProbe { x }, reference))
    }

    /// The standard deviation of the network's output (the ansatz's, where there is one;
    /// not projected onto a constraint) at the probe's points.
    pub fn read(&self, program: &LossProgram, net: &Net) -> Result<f64, RunError> {
        let v = train::values(net, program.problem, &program.cols, &self.x)?
            .to_dtype(DType::F64)?
            .to_vec1::<f64>()?;
        Ok(mean_sd(&v).1)
    }
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}
