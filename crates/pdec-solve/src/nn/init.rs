//! The network's parameters made and initialised: Glorot-uniform weights drawn from the run's
//! seed (a stream of its own), zero biases, each named and listed in [`Net::params`]' fixed
//! order (the optimizer's and the checkpoints').

use super::{Dense, Layer, Net};
use candle_core::{DType, Device, Result, Tensor, Var};
use pdec_lang::settings::{Net as NetSettings, NetKind};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

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
        // A stream of its own, so sampling does not shift when the network changes.
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6e65_7477_6f72_6b00);
        let mut params = Vec::new();
        let dense = |name: &str,
                     out: usize,
                     inp: usize,
                     rng: &mut ChaCha8Rng,
                     params: &mut Vec<(String, Var)>|
         -> Result<Dense> {
            let w = glorot(rng, out, inp, dtype, dev)?;
            let b = zeros(out, dtype, dev)?;
            params.push((format!("{name}.weight"), w.clone()));
            params.push((format!("{name}.bias"), b.clone()));
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
                        &mut params,
                    )?));
                }
            }
            NetKind::Dgm => {
                layers.push(Layer::DgmIn(dense(
                    "dgm.in",
                    width,
                    input,
                    &mut rng,
                    &mut params,
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
                            &mut params,
                        )?);
                        let w = glorot(&mut rng, width, width, dtype, dev)?;
                        params.push((format!("dgm.{l}.w{g}.weight"), w.clone()));
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
        let out = dense("out", outputs, inp, &mut rng, &mut params)?;
        Ok(Net {
            kind: s.kind,
            params,
            layers,
            out,
            output: None,
            coefs: Vec::new(),
        })
    }
}
