//! The networks' parameters made and initialised: Glorot-uniform weights drawn from the run's
//! seed (a stream of its own per network), zero biases, each named and listed in
//! [`Net::params`]' fixed order (the optimizer's and the checkpoints'); the input weights'
//! columns a network does not read set to zero, with their masks.

use super::{Dense, Layer, Net, Sub};
use candle_core::{DType, Device, Result, Tensor, Var};
use pdec_lang::plan::NetworkPlan;
use pdec_lang::settings::{Net as NetSettings, NetKind};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

/// An `out x inp` weight drawn uniformly from `+-sqrt(6 / (out + inp))`.
fn glorot(rng: &mut ChaCha8Rng, out: usize, inp: usize, dtype: DType, dev: &Device) -> Result<Var> {
    let a = (6.0 / (out + inp) as f64).sqrt();
    let data: Vec<f64> = (0..out * inp).map(|_| rng.random_range(-a..a)).collect();
    Var::from_tensor(&Tensor::from_vec(data, (out, inp), dev)?.to_dtype(dtype)?)
}

fn zeros(n: usize, dtype: DType, dev: &Device) -> Result<Var> {
    Var::zeros(n, dtype, dev)
}

impl Net {
    /// A fresh network for `input` columns and one output.
    pub fn new(
        s: &NetSettings,
        input: usize,
        seed: u64,
        dtype: DType,
        dev: &Device,
    ) -> Result<Net> {
        Net::with_outputs(s, input, 1, seed, dtype, dev)
    }

    /// A network with `outputs` outputs (one per unknown of a system), initialised from
    /// `seed`; with one output the parameters are [`Net::new`]'s.
    pub fn with_outputs(
        s: &NetSettings,
        input: usize,
        outputs: usize,
        seed: u64,
        dtype: DType,
        dev: &Device,
    ) -> Result<Net> {
        let one = NetworkPlan {
            prefix: String::new(),
            unknowns: (0..outputs).collect(),
            columns: (0..input).collect(),
            net: s.clone(),
        };
        Net::from_networks(&[one], input, seed, dtype, dev)
    }

    /// The networks of a plan side by side on `input` columns, the first from `seed`
    /// (so that a problem of one network has the parameters it always had), each other
    /// from a seed of its own.
    pub fn from_networks(
        networks: &[NetworkPlan],
        input: usize,
        seed: u64,
        dtype: DType,
        dev: &Device,
    ) -> Result<Net> {
        let mut params = Vec::new();
        let mut subs = Vec::new();
        let mut masks = HashMap::new();
        for (i, n) in networks.iter().enumerate() {
            let seed = network_seed(seed, i);
            let sub = Sub::new(
                &n.net,
                input,
                n.unknowns.len().max(1),
                seed,
                dtype,
                dev,
                &n.prefix,
                &mut params,
            )?;
            if !n.reads_all(input) {
                let mask = column_mask(&n.columns, n.net.width, input, dtype, dev)?;
                for w in sub.input_weights() {
                    let m = match w.dim(0)? == n.net.width {
                        true => mask.clone(),
                        false => column_mask(&n.columns, w.dim(0)?, input, dtype, dev)?,
                    };
                    w.set(&(w.as_tensor() * &m)?)?;
                    masks.insert(w.id(), m);
                }
            }
            subs.push(sub);
        }
        Ok(Net {
            params,
            order: Net::output_order(networks),
            subs,
            output: None,
            coefs: Vec::new(),
            masks,
        })
    }
}

/// The seed network `i` of a plan is drawn from: the run's for the first.
pub(super) fn network_seed(seed: u64, i: usize) -> u64 {
    seed.wrapping_add((i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// `[rows, input]` ones in the columns read, zeros elsewhere.
fn column_mask(
    columns: &[usize],
    rows: usize,
    input: usize,
    dtype: DType,
    dev: &Device,
) -> Result<Tensor> {
    let mut data = vec![0.0f64; rows * input];
    for r in 0..rows {
        for &c in columns {
            data[r * input + c] = 1.0;
        }
    }
    Tensor::from_vec(data, (rows, input), dev)?.to_dtype(dtype)
}

impl Sub {
    /// One network for `input` columns and `outputs` outputs, its parameters pushed onto
    /// `params` under `prefix`.
    #[allow(clippy::too_many_arguments)]
    fn new(
        s: &NetSettings,
        input: usize,
        outputs: usize,
        seed: u64,
        dtype: DType,
        dev: &Device,
        prefix: &str,
        params: &mut Vec<(String, Var)>,
    ) -> Result<Sub> {
        // A stream of its own, so sampling does not shift when the network changes.
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6e65_7477_6f72_6b00);
        let dense = |name: &str,
                     out: usize,
                     inp: usize,
                     rng: &mut ChaCha8Rng,
                     params: &mut Vec<(String, Var)>|
         -> Result<Dense> {
            let w = glorot(rng, out, inp, dtype, dev)?;
            let b = zeros(out, dtype, dev)?;
            params.push((format!("{prefix}{name}.weight"), w.clone()));
            params.push((format!("{prefix}{name}.bias"), b.clone()));
            Ok(Dense { w, b })
        };
        let width = s.width;
        let mut layers = Vec::new();
        match s.kind {
            NetKind::Mlp => {
                for l in 0..s.layers {
                    let inp = if l == 0 { input } else { width };
                    layers.push(Layer::Mlp(dense(
                        &format!("mlp.{l}"),
                        width,
                        inp,
                        &mut rng,
                        params,
                    )?));
                }
            }
            NetKind::Dgm => {
                layers.push(Layer::DgmIn(dense(
                    "dgm.in", width, input, &mut rng, params,
                )?));
                for l in 0..s.layers {
                    let mut us = Vec::new();
                    let mut ws = Vec::new();
                    for g in ["z", "g", "r", "h"] {
                        us.push(dense(
                            &format!("dgm.{l}.u{g}"),
                            width,
                            input,
                            &mut rng,
                            params,
                        )?);
                        let w = glorot(&mut rng, width, width, dtype, dev)?;
                        params.push((format!("{prefix}dgm.{l}.w{g}.weight"), w.clone()));
                        ws.push(w);
                    }
                    let u: [Dense; 4] = us
                        .try_into()
                        .map_err(|_| candle_core::Error::Msg("invariant: four gates".into()))?;
                    let w: [Var; 4] = ws
                        .try_into()
                        .map_err(|_| candle_core::Error::Msg("invariant: four gates".into()))?;
                    layers.push(Layer::Dgm { u, w });
                }
            }
        }
        let inp = if s.layers == 0 && s.kind == NetKind::Mlp {
            input
        } else {
            width
        };
        let out = dense("out", outputs, inp, &mut rng, params)?;
        Ok(Sub { layers, out })
    }
}
