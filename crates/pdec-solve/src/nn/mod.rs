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
use candle_core::{Device, Result, Tensor, TensorId, Var};
use std::collections::HashMap;

/// A weight matrix and bias.
struct Dense {
    w: Var,
    b: Var,
}

/// The networks of a problem (DGM or MLP, each from the input columns to its unknowns'
/// outputs) with all their parameters. One network for a problem whose unknowns take the
/// same arguments; several (`plan::networks`) side by side on the same input, their outputs
/// joined in the unknowns' order.
pub struct Net {
    /// Every trainable tensor with its name, in a fixed order (optimizer, checkpoints): the
    /// first network's under the names of a one-network problem, the others' after them
    /// under their prefix (`net.p.`), the coefficients last.
    pub params: Vec<(String, Var)>,
    subs: Vec<Sub>,
    /// The unknowns' columns of the joined outputs, when the networks' unknowns do not come
    /// in order (`u(t, x)`, `p(x)`, `v(t, x)`: `[0, 2, 1]`).
    order: Option<Vec<u32>>,
    /// `(shift, scale)`: the unknown is `shift + scale * output` (the plan's output scale).
    output: Option<(f64, f64)>,
    /// The unknown coefficients (`unknown const`): each trained parameter `theta` (also in
    /// `params`, as `coef.NAME`, after the network's) with its range and scale.
    coefs: Vec<(Var, pdec_lang::ir::Coefficient)>,
    /// The input weights of a network that reads only some columns, by parameter: the 0/1
    /// mask of the columns it reads (`[W, D]`). Those weights start with zero columns and
    /// [`Net::mask_gradients`] keeps them there.
    masks: HashMap<TensorId, Tensor>,
}

/// One network: its layers and output layer.
struct Sub {
    layers: Vec<Layer>,
    out: Dense,
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

impl Sub {
    /// The network on an input jet, before its output layer.
    fn hidden(&self, x: &InputJet) -> Result<Option<Jet>> {
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
        Ok(h)
    }

    /// The network on an input jet, its output shifted and scaled by `output`.
    fn forward(&self, x: &InputJet, output: Option<(f64, f64)>) -> Result<Jet> {
        let h = self.hidden(x)?;
        let (w, b) = (self.out.w.as_tensor(), self.out.b.as_tensor());
        // `shift + scale * (h w + b)` is `h (scale w) + (scale b + shift)`: two small tensors.
        let scaled = match output {
            Some((shift, scale)) => Some((w.affine(scale, 0.0)?, b.affine(scale, shift)?)),
            None => None,
        };
        let (w, b) = scaled.as_ref().map_or((w, b), |(w, b)| (w, b));
        match &h {
            Some(h) => h.linear(w, Some(b)),
            None => x.linear(w, Some(b)),
        }
    }

    /// The weights that multiply the network input, in the order of the forward pass: the
    /// first layer's, and each DGM layer's four `U`s.
    fn input_weights(&self) -> Vec<&Var> {
        let mut out = Vec::new();
        for layer in &self.layers {
            match layer {
                Layer::Mlp(d) => {
                    if out.is_empty() {
                        out.push(&d.w);
                    }
                    break;
                }
                Layer::DgmIn(d) => out.push(&d.w),
                Layer::Dgm { u, .. } => out.extend(u.iter().map(|d| &d.w)),
            }
        }
        // An MLP without hidden layers reads the input in its output layer.
        if self.layers.is_empty() {
            out.push(&self.out.w);
        }
        out
    }
}

impl Net {
    /// The device the network's weights live on (inputs must be put there too).
    pub fn device(&self) -> Device {
        self.subs[0].out.w.device().clone()
    }

    /// The networks on an input jet; the output jet has one column per output (unknown).
    pub fn forward(&self, x: &InputJet) -> Result<Jet> {
        if let [one] = self.subs.as_slice() {
            return one.forward(x, self.output);
        }
        let jets = self
            .subs
            .iter()
            .map(|s| s.forward(x, self.output))
            .collect::<Result<Vec<_>>>()?;
        let joined = Jet::cat_outputs(&jets)?;
        match &self.order {
            None => Ok(joined),
            Some(order) => {
                let idx = x.consts.indices(order, &self.device())?;
                joined.select_outputs(&idx)
            }
        }
    }

    /// The networks of `plan` (their settings, input columns and output scale),
    /// initialised from `seed`.
    pub fn for_plan(
        plan: &pdec_lang::plan::Plan,
        seed: u64,
        dtype: candle_core::DType,
        dev: &Device,
    ) -> Result<Net> {
        let output = plan.output.as_ref().map(|o| (o.shift, o.scale));
        // The network reads the columns, then the features (`geometry::features`, the holes';
        // `geometry::periodic`, cos and sin of a periodic coordinate).
        let width = plan.layout.net_width();
        let one = [pdec_lang::plan::NetworkPlan {
            prefix: String::new(),
            unknowns: (0..plan.unknowns.len().max(1)).collect(),
            columns: (0..width).collect(),
            net: plan.settings.net.clone(),
        }];
        let networks = match plan.networks.is_empty() {
            true => &one[..],
            false => &plan.networks[..],
        };
        let mut net = Net::from_networks(networks, width, seed, dtype, dev)?.with_output(output);
        // After the networks' own, so that a problem without coefficients keeps its
        // parameters (and their initial values) exactly.
        for c in &plan.coefficients {
            let theta = Var::from_tensor(&Tensor::new(&[c.theta0()], dev)?.to_dtype(dtype)?)?;
            net.params.push((format!("coef.{}", c.name), theta.clone()));
            net.coefs.push((theta, c.clone()));
        }
        Ok(net)
    }

    /// The joined output's column of each unknown, when the networks' unknowns are not in
    /// order.
    fn output_order(networks: &[pdec_lang::plan::NetworkPlan]) -> Option<Vec<u32>> {
        let joined: Vec<usize> = networks.iter().flat_map(|n| n.unknowns.clone()).collect();
        let mut sorted = joined.clone();
        sorted.sort_unstable();
        if sorted == joined {
            return None;
        }
        // The unknowns in increasing order, each its column of the joined output.
        let column = |k: &usize| joined.iter().position(|j| j == k).unwrap_or(0) as u32;
        Some(sorted.iter().map(column).collect())
    }

    /// Each parameter's gradient (in `params` order) with the columns a network does not
    /// read zeroed: Adam, the polish and the averaging then never move them from zero.
    pub fn mask_gradients(&self, grads: Vec<Tensor>) -> Result<Vec<Tensor>> {
        if self.masks.is_empty() {
            return Ok(grads);
        }
        self.params
            .iter()
            .zip(grads)
            .map(|((_, p), g)| match self.masks.get(&p.id()) {
                Some(m) => g * m,
                None => Ok(g),
            })
            .collect()
    }

    /// How many networks it is made of.
    pub fn networks(&self) -> usize {
        self.subs.len()
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

    /// The weights that multiply the network input, in the order of the forward pass, network
    /// by network: the first layer's, and each DGM layer's four `U`s.
    pub fn input_weights(&self) -> Vec<Tensor> {
        self.subs
            .iter()
            .flat_map(|s| s.input_weights())
            .map(|w| w.as_tensor().clone())
            .collect()
    }

    /// How many numbers the parameters hold.
    pub fn parameter_count(&self) -> usize {
        self.params.iter().map(|(_, v)| v.elem_count()).sum()
    }
}

#[cfg(test)]
mod tests;
