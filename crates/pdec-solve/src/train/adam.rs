//! Adam, with its state in the open (moments and step count) so that a checkpoint can
//! save and restore it.

use candle_core::{Result, Tensor, Var};

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
    /// Zero moments for `params`, the usual betas and epsilon.
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
