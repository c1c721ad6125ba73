//! The networks: DGM (the Deep Galerkin Method's network) and a tanh MLP. Weights are candle
//! `Var`s, Glorot-uniform initialised from the run's seed with our own RNG (candle's CPU RNG cannot
//! be seeded), biases zero. Both networks evaluate jets ([`crate::jet::Jet`]) so derivatives with
//! respect to the inputs come out of the same graph as the values.
//!
//! This file holds the network itself and its forward pass; [`init`] makes and initialises
//! its parameters, [`input`] is the input jet ([`InputJet`]: the points, their tangent
//! directions and the first affine map), and [`projections`] shares and stacks the input
//! products of a step's passes and recovers the input weights' gradients
//! ([`parameter_gradients`]).

mod init;
mod input;
mod projections;

pub use input::{Antithetic, InputDir, InputJet};
pub use projections::{Projections, parameter_gradients};

use crate::jet::Jet;
use candle_core::{Device, Result, Tensor, Var};
use pdec_lang::settings::NetKind;

/// A weight matrix and bias.
struct Dense {
    w: Var,
    b: Var,
}

/// A DGM or MLP network from the input columns to its outputs (one per unknown), with its
/// parameters.
pub struct Net {
    pub kind: NetKind,
    /// Every trainable tensor with its name, in a fixed order (optimizer, checkpoints).
    pub params: Vec<(String, Var)>,
    layers: Vec<Layer>,
    out: Dense,
    /// `(shift, scale)`: the unknown is `shift + scale * output` (the plan's output scale).
    output: Option<(f64, f64)>,
    /// The unknown coefficients (`unknown const`): each trained parameter `theta` (also in
    /// `params`, as `coef.NAME`, after the network's) with its range and scale.
    coefs: Vec<(Var, pdec_lang::ir::Coefficient)>,
}

/// One layer of either network, in forward order.
enum Layer {
    Mlp(Dense),
    /// First DGM layer `S1 = tanh(W1 X + b1)`.
    DgmIn(Dense),
    /// One DGM layer: `Z, G, R, H` gates, each with `U` (on X) and `W` (on S).
    Dgm {
        u: [Dense; 4],
        w: [Var; 4],
    },
}

impl Net {
    /// The device the network's weights live on (inputs must be put there too).
    pub fn device(&self) -> Device {
        self.out.w.device().clone()
    }

    /// The network on an input jet; the output jet has one column per output (unknown).
    pub fn forward(&self, x: &InputJet) -> Result<Jet> {
        let mut h: Option<Jet> = None;
        for layer in &self.layers {
            h = Some(match layer {
                Layer::Mlp(d) => match &h {
                    None => x.linear(d.w.as_tensor(), Some(d.b.as_tensor()))?.tanh()?,
                    Some(prev) => prev
                        .linear(d.w.as_tensor(), Some(d.b.as_tensor()))?
                        .tanh()?,
                },
                Layer::DgmIn(d) => x.linear(d.w.as_tensor(), Some(d.b.as_tensor()))?.tanh()?,
                Layer::Dgm { u, w } => {
                    let s = h.as_ref().ok_or_else(|| {
                        candle_core::Error::Msg("invariant: DGM starts with its input layer".into())
                    })?;
                    let gate = |k: usize, on: &Jet| -> Result<Jet> {
                        x.add_linear(
                            &on.linear(w[k].as_tensor(), None)?,
                            u[k].w.as_tensor(),
                            Some(u[k].b.as_tensor()),
                        )?
                        .tanh()
                    };
                    let z = gate(0, s)?;
                    let g = gate(1, s)?;
                    let r = gate(2, s)?;
                    let hh = gate(3, &s.mul(&r)?)?;
                    g.one_minus()?.mul(&hh)?.add(&z.mul(s)?)?
                }
            });
        }
        let (w, b) = (self.out.w.as_tensor(), self.out.b.as_tensor());
        // `shift + scale * (h w + b)` is `h (scale w) + (scale b + shift)`: two small tensors.
        let scaled = match self.output {
            Some((shift, scale)) => Some((w.affine(scale, 0.0)?, b.affine(scale, shift)?)),
            None => None,
        };
        let (w, b) = scaled.as_ref().map_or((w, b), |(w, b)| (w, b));
        match &h {
            Some(h) => h.linear(w, Some(b)),
            None => x.linear(w, Some(b)),
        }
    }

    /// The network of `plan` (its settings, input width and output scale), initialised from
    /// `seed`.
    pub fn for_plan(
        plan: &pdec_lang::plan::Plan,
        seed: u64,
        dtype: candle_core::DType,
        dev: &Device,
    ) -> Result<Net> {
        let output = plan.output.as_ref().map(|o| (o.shift, o.scale));
        let outputs = plan.unknowns.len().max(1);
        let mut net = Net::with_outputs(
            &plan.settings.net,
            plan.layout.net_width(),
            outputs,
            seed,
            dtype,
            dev,
        )?
        .with_output(output);
        // After the network's own, so that a problem without coefficients keeps its
        // parameters (and their initial values) exactly.
        for c in &plan.coefficients {
            let theta = Var::from_tensor(&Tensor::new(&[c.theta0()], dev)?.to_dtype(dtype)?)?;
            net.params.push((format!("coef.{}", c.name), theta.clone()));
            net.coefs.push((theta, c.clone()));
        }
        Ok(net)
    }

    /// The unknown coefficients' values, `[1]` each, as functions of their trained
    /// parameters: `lo + (hi - lo) * sigmoid(theta)`, of `ln lo` and `ln hi` then `exp`
    /// under `log`. Never outside the range, whatever `theta`.
    pub fn coefficients(&self) -> Result<Vec<Tensor>> {
        self.coefs
            .iter()
            .map(|(theta, c)| {
                let (a, b) = match c.log {
                    true => (c.lo.ln(), c.hi.ln()),
                    false => (c.lo, c.hi),
                };
                let s = candle_core::Tensor::ones_like(theta.as_tensor())?
                    .broadcast_div(&(theta.as_tensor().neg()?.exp()? + 1.0)?)?;
                let v = s.affine(b - a, a)?;
                // `exp(ln hi)` may round above `hi`: the value stays inside whatever the
                // rounding (the clamp is the identity, gradient included, inside).
                let v = if c.log { v.exp()? } else { v };
                v.clamp(c.lo, c.hi)
            })
            .collect()
    }

    /// Each unknown coefficient's name and current value.
    pub fn identified(&self) -> Result<Vec<(String, f64)>> {
        let values = self.coefficients()?;
        self.coefs
            .iter()
            .zip(values)
            .map(|((_, c), v)| {
                let v = v.to_dtype(candle_core::DType::F64)?.to_vec1::<f64>()?;
                Ok((c.name.clone(), v[0]))
            })
            .collect()
    }

    /// The network with its output shifted and scaled: `shift + scale * output` (the plan's
    /// `output`, `None` for the output as it is).
    pub fn with_output(mut self, output: Option<(f64, f64)>) -> Net {
        self.output = output;
        self
    }

    /// The weights that multiply the network input, in the order of the forward pass: the
    /// first layer's, and each DGM layer's four `U`s.
    pub fn input_weights(&self) -> Vec<Tensor> {
        let mut out = Vec::new();
        for layer in &self.layers {
            match layer {
                Layer::Mlp(d) => {
                    if out.is_empty() {
                        out.push(d.w.as_tensor().clone());
                    }
                    break;
                }
                Layer::DgmIn(d) => out.push(d.w.as_tensor().clone()),
                Layer::Dgm { u, .. } => out.extend(u.iter().map(|d| d.w.as_tensor().clone())),
            }
        }
        out
    }

    /// How many numbers the parameters hold.
    pub fn parameter_count(&self) -> usize {
        self.params.iter().map(|(_, v)| v.elem_count()).sum()
    }
}

#[cfg(test)]
mod tests;
