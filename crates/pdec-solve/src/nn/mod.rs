//! The networks: DGM (the Deep Galerkin Method's network) and a tanh MLP. Weights are candle
//! `Var`s, Glorot-uniform initialised from the run's seed with our own RNG (candle's CPU RNG cannot
//! be seeded), biases zero. Both networks evaluate jets ([`crate::jet::Jet`]) so derivatives with
//! respect to the inputs come out of the same graph as the values.

use crate::consts::ConstCache;
use crate::jet::{Jet, SumWeights};
use candle_core::backprop::GradStore;
use candle_core::{DType, Device, Result, Tensor, TensorId, Var};
use pdec_lang::settings::{Net as NetSettings, NetKind};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// One tangent direction of the network input, in normalised coordinates.
#[derive(Clone, Debug)]
pub enum InputDir {
    /// `scale * e_col`: a coordinate direction (cheap: a column of each input weight).
    Unit { col: usize, scale: f64 },
    /// Row `index` of [`InputJet::general`]: a direction that varies from point to point.
    General(usize),
}

/// The network input with its tangent directions (second-order channels of an affine input
/// map are zero).
#[derive(Clone, Debug)]
pub struct InputJet {
    /// Normalised points `[N, D]`.
    pub z: Tensor,
    pub dirs: Vec<InputDir>,
    /// Point-dependent directions `[Kg, N, D]`.
    pub general: Option<Tensor>,
    /// The first `k2` directions carry second-order channels.
    pub k2: usize,
    /// `Some`: carry their weighted sum instead (the summed channel, see [`crate::jet`]).
    pub summed: Option<SumWeights>,
    /// Device copies of the direction indices and scales.
    pub consts: ConstCache,
    /// `Some(v)`, `v` `[P N, D]`: the rows are the antithetic pairs of the Monte Carlo
    /// estimator, `[z + v_1, z - v_1, ..., z + v_P, z - v_P]` for `z` `[N, D]`, each with the
    /// one tangent direction (`dirs` is `[General(0)]`) `v_j`, or none (`dirs` empty). Each input projection then
    /// multiplies `z` and `v` once (`(1 + P) N` rows) instead of the `2 P N` rows and their
    /// `2 P N` tangents.
    pub antithetic: Option<Tensor>,
    /// `Some`: the input projections of these points, shared with the step's other passes
    /// over the same points.
    pub projections: Option<Projections>,
}

/// The input projections `z W^T + b` of one set of points, by weight: a training step's
/// passes over the same points (the value pass and the Monte Carlo estimator's antithetic
/// passes, whose rows `z +- v` project as `z W^T +- v W^T`) multiply `z` once per weight
/// instead of once per pass, and backward multiplies it once too. One per set of points: the
/// key is the weight alone.
///
/// Made by [`Projections::for_net`], it also forms every input weight's product with the
/// points (and with each set of antithetic directions `v`) as one matrix product with the
/// weights stacked, `z [W_1; ...; W_13]^T` for a 3-layer DGM: thirteen products 50 columns
/// wide run at a fraction of the speed of one 650 wide, and this product is most of what a
/// Monte Carlo step spends on the input dimension. Each weight's slice of the product enters
/// the graph as a leaf; after backward, [`Projections::weight_gradients`] turns the leaves'
/// gradients into the weights' with one product `G^T z` (candle's own backward of a slice
/// would add a zero-padded copy of the whole product per weight).
#[derive(Clone, Debug, Default)]
pub struct Projections(Arc<Mutex<Shared>>);

/// A weight and its bias, if any.
type ProjectionKey = (TensorId, Option<TensorId>);

#[derive(Debug, Default)]
struct Shared {
    /// `z W^T + b` by weight and bias (the points' projections, biased).
    biased: HashMap<ProjectionKey, Tensor>,
    /// The weights that multiply the network input, in the network's order; empty for
    /// [`Projections::default`], which multiplies weight by weight.
    input: Vec<Tensor>,
    /// The input weights stacked by rows and detached, formed on first use.
    stacked: Option<Tensor>,
    /// The points' products (`None` until the first request) and each antithetic
    /// direction tensor's, by its id.
    points: Option<Bank>,
    directions: Vec<(TensorId, Bank)>,
}

/// `rows [W_1; ...]^T` cut by weight, each slice a leaf of the graph.
#[derive(Debug)]
struct Bank {
    rows: Tensor,
    leaves: Vec<Var>,
}

impl Shared {
    /// Which input weight `w` is, when the stacked product applies (two weights or more).
    fn index(&self, w: &Tensor) -> Option<usize> {
        if self.input.len() < 2 {
            return None;
        }
        self.input.iter().position(|x| x.id() == w.id())
    }

    fn bank(&mut self, rows: &Tensor) -> Result<Bank> {
        let stacked = match &self.stacked {
            Some(s) => s.clone(),
            None => {
                let s = Tensor::cat(&self.input, 0)?.detach();
                self.stacked = Some(s.clone());
                s
            }
        };
        let all = crate::kernels::data_matmul(rows, &stacked.t()?)?; // [R, sum W_k]
        let mut leaves = Vec::with_capacity(self.input.len());
        let mut at = 0;
        for w in &self.input {
            let width = w.dim(0)?;
            leaves.push(Var::from_tensor(&all.narrow(1, at, width)?)?);
            at += width;
        }
        Ok(Bank {
            rows: rows.clone(),
            leaves,
        })
    }
}

impl Projections {
    /// Projections that form `net`'s input products as one stacked product.
    pub fn for_net(net: &Net) -> Projections {
        Projections(Arc::new(Mutex::new(Shared {
            input: net.input_weights(),
            ..Shared::default()
        })))
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Shared>> {
        self.0
            .lock()
            .map_err(|_| candle_core::Error::Msg("the projection cache is poisoned".into()))
    }

    /// `z W^T + b` for the points `z`, formed once per weight and bias.
    fn points(&self, z: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Result<Tensor> {
        let key = (w.id(), b.map(Tensor::id));
        let mut s = self.lock()?;
        if let Some(t) = s.biased.get(&key) {
            return Ok(t.clone());
        }
        let v = match s.index(w) {
            Some(k) => match &s.points {
                Some(bank) => bank.leaves[k].as_tensor().clone(),
                None => {
                    let bank = s.bank(z)?;
                    let out = bank.leaves[k].as_tensor().clone();
                    s.points = Some(bank);
                    out
                }
            },
            None => crate::kernels::data_matmul(z, &w.t()?)?,
        };
        let v = match b {
            Some(b) => v.broadcast_add(b)?,
            None => v,
        };
        s.biased.insert(key, v.clone());
        Ok(v)
    }

    /// `v W^T` for antithetic directions `v`.
    fn directions(&self, v: &Tensor, w: &Tensor) -> Result<Tensor> {
        let mut s = self.lock()?;
        let Some(k) = s.index(w) else {
            return crate::kernels::data_matmul(v, &w.t()?);
        };
        if let Some((_, bank)) = s.directions.iter().find(|(id, _)| *id == v.id()) {
            return Ok(bank.leaves[k].as_tensor().clone());
        }
        let bank = s.bank(v)?;
        let out = bank.leaves[k].as_tensor().clone();
        s.directions.push((v.id(), bank));
        Ok(out)
    }

    /// The input weights' gradients held back by the stacked products, from `grads` of a
    /// backward pass through them: `G^T rows` per product, `G` the leaves' gradients side by
    /// side (zeros for a leaf that backward did not reach). Add them to `grads`' own.
    pub fn weight_gradients(&self, grads: &GradStore) -> Result<Vec<(TensorId, Tensor)>> {
        let s = self.lock()?;
        let mut out = Vec::new();
        for bank in s.points.iter().chain(s.directions.iter().map(|(_, b)| b)) {
            if bank
                .leaves
                .iter()
                .all(|l| grads.get(l.as_tensor()).is_none())
            {
                continue;
            }
            let g = bank
                .leaves
                .iter()
                .map(|l| match grads.get(l.as_tensor()) {
                    Some(g) => Ok(g.clone()),
                    None => l.zeros_like(),
                })
                .collect::<Result<Vec<_>>>()?;
            let gw = Tensor::cat(&g, 1)?.t()?.matmul(&bank.rows)?; // [sum W_k, D]
            let mut at = 0;
            for w in &s.input {
                let width = w.dim(0)?;
                out.push((w.id(), gw.narrow(0, at, width)?));
                at += width;
            }
        }
        Ok(out)
    }
}

/// Each parameter's gradient in order (zeros where the loss does not depend on it): `grads`'
/// own plus what `projections` held back (see [`Projections::weight_gradients`]).
pub fn parameter_gradients(
    params: &[(String, Var)],
    grads: &GradStore,
    projections: &[Projections],
) -> Result<Vec<Tensor>> {
    let mut extra: HashMap<TensorId, Tensor> = HashMap::new();
    for p in projections {
        for (id, g) in p.weight_gradients(grads)? {
            let sum = match extra.remove(&id) {
                Some(e) => (e + g)?,
                None => g,
            };
            extra.insert(id, sum);
        }
    }
    params
        .iter()
        .map(|(_, p)| {
            let own = grads.get(p.as_tensor()).cloned();
            match (own, extra.remove(&p.id())) {
                (Some(a), Some(b)) => a + b,
                (Some(a), None) => Ok(a),
                (None, Some(b)) => b.contiguous(),
                (None, None) => p.zeros_like(),
            }
        })
        .collect()
}

impl InputJet {
    /// `z W^T + b`, from the shared projections when there are some.
    fn project(&self, w: &Tensor, b: Option<&Tensor>) -> Result<Tensor> {
        match &self.projections {
            Some(p) => p.points(&self.z, w, b),
            None => {
                let v = crate::kernels::data_matmul(&self.z, &w.t()?)?;
                match b {
                    Some(b) => v.broadcast_add(b),
                    None => Ok(v),
                }
            }
        }
    }

    /// The tangents of coordinate directions `scale * e_col` through `z W^T`: rows
    /// `scale * W[:, col]`, the same at every point, `[k, W]`.
    fn unit_rows(&self, w: &Tensor, cols: &[u32], scales: &[f64]) -> Result<Tensor> {
        let idx = self.consts.indices(cols, w.device())?;
        let sc = self
            .consts
            .floats(scales, &[cols.len(), 1], w.device(), w.dtype())?;
        w.index_select(&idx, 1)?.t()?.broadcast_mul(&sc)
    }

    /// `on + (z W^T + b)` with tangents: when every direction is a coordinate direction, its
    /// rows of `W` are added to `on`'s tangents in place ([`crate::kernels::add_rows`])
    /// instead of being broadcast to `[K, N, W]` first.
    pub fn add_linear(&self, on: &Jet, w: &Tensor, b: Option<&Tensor>) -> Result<Jet> {
        let units: Option<(Vec<u32>, Vec<f64>)> = self
            .dirs
            .iter()
            .map(|d| match d {
                InputDir::Unit { col, scale } => Some((*col as u32, *scale)),
                InputDir::General(_) => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(|v| v.into_iter().unzip());
        let (Some(t), Some((cols, scales))) = (&on.t, units) else {
            return self.linear(w, b)?.add(on);
        };
        if cols.is_empty() {
            return self.linear(w, b)?.add(on);
        }
        let v = self.project(w, b)?;
        let rows = self.unit_rows(w, &cols, &scales)?;
        Ok(Jet {
            v: (v + &on.v)?,
            t: Some(crate::kernels::add_rows(t, &rows)?),
            s: on.s.clone(),
            k2: self.k2.max(on.k2),
            summed: self.summed.clone().or_else(|| on.summed.clone()),
        })
    }

    /// `z W^T + b` with tangents, as a [`Jet`].
    pub fn linear(&self, w: &Tensor, b: Option<&Tensor>) -> Result<Jet> {
        if let Some(v) = &self.antithetic {
            return self.antithetic_linear(v, w, b);
        }
        let wt = w.t()?; // [D, W]
        let v = self.project(w, b)?;
        let (n, width) = (self.z.dim(0)?, wt.dim(1)?);
        let mut blocks = Vec::new();
        let mut i = 0;
        while i < self.dirs.len() {
            let mut j = i;
            match &self.dirs[i] {
                InputDir::Unit { .. } => {
                    while j < self.dirs.len() && matches!(self.dirs[j], InputDir::Unit { .. }) {
                        j += 1;
                    }
                    let (cols, scales): (Vec<u32>, Vec<f64>) = self.dirs[i..j]
                        .iter()
                        .map(|d| match d {
                            InputDir::Unit { col, scale } => (*col as u32, *scale),
                            InputDir::General(_) => (0, 0.0),
                        })
                        .unzip();
                    let rows = self.unit_rows(w, &cols, &scales)?; // [k, W]
                    blocks.push(
                        rows.unsqueeze(1)?
                            .broadcast_as((j - i, n, width))?
                            .contiguous()?,
                    );
                }
                InputDir::General(_) => {
                    while j < self.dirs.len() && matches!(self.dirs[j], InputDir::General(_)) {
                        j += 1;
                    }
                    let g = self.general.as_ref().ok_or_else(|| {
                        candle_core::Error::Msg(
                            "invariant: general directions have a tensor".into(),
                        )
                    })?;
                    let ids: Vec<u32> = self.dirs[i..j]
                        .iter()
                        .map(|d| match d {
                            InputDir::General(k) => *k as u32,
                            InputDir::Unit { .. } => 0,
                        })
                        .collect();
                    let idx = self.consts.indices(&ids, g.device())?;
                    let sel = g.index_select(&idx, 0)?; // [k, N, D]
                    let d = sel.dim(2)?;
                    blocks.push(
                        crate::kernels::data_matmul(&sel.reshape(((j - i) * n, d))?, &wt)?
                            .reshape((j - i, n, width))?,
                    );
                }
            }
            i = j;
        }
        let t = match blocks.len() {
            0 => None,
            1 => blocks.pop(),
            _ => Some(Tensor::cat(&blocks, 0)?),
        };
        Ok(Jet {
            v,
            t,
            s: None,
            k2: self.k2,
            summed: self.summed.clone(),
        })
    }
}

impl InputJet {
    /// [`InputJet::linear`] on antithetic rows: `(z +- v_j) W^T + b = (z W^T + b) +- v_j W^T`,
    /// tangent `v_j W^T` on both rows of a pair.
    fn antithetic_linear(&self, v: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Result<Jet> {
        let wt = w.t()?;
        let (n, width) = (self.z.dim(0)?, wt.dim(1)?);
        let pairs = v.dim(0)? / n.max(1);
        let pz = self.project(w, b)?;
        let pv = match &self.projections {
            Some(p) => p.directions(v, w)?,
            None => crate::kernels::data_matmul(v, &wt)?,
        }
        .reshape((pairs, n, width))?;
        let (plus, minus) = if pairs == 1 {
            let pv = pv.squeeze(0)?;
            ((&pz + &pv)?.unsqueeze(0)?, (&pz - &pv)?.unsqueeze(0)?)
        } else {
            (pv.broadcast_add(&pz)?, pv.neg()?.broadcast_add(&pz)?)
        };
        let rows = 2 * pairs * n;
        // No directions: the values alone (the estimator's difference of values).
        let t = match self.dirs.is_empty() {
            true => None,
            false => Some(Tensor::stack(&[&pv, &pv], 1)?.reshape((1, rows, width))?),
        };
        Ok(Jet {
            v: Tensor::stack(&[plus, minus], 1)?.reshape((rows, width))?,
            t,
            s: None,
            k2: self.k2,
            summed: self.summed.clone(),
        })
    }
}

/// A weight matrix and bias.
struct Dense {
    w: Var,
    b: Var,
}

pub struct Net {
    pub kind: NetKind,
    /// Every trainable tensor with its name, in a fixed order (optimizer, checkpoints).
    pub params: Vec<(String, Var)>,
    layers: Vec<Layer>,
    out: Dense,
}

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

fn glorot(rng: &mut ChaCha8Rng, out: usize, inp: usize, dtype: DType, dev: &Device) -> Result<Var> {
    let a = (6.0 / (out + inp) as f64).sqrt();
    let data: Vec<f64> = (0..out * inp).map(|_| rng.random_range(-a..a)).collect();
    Var::from_tensor(&Tensor::from_vec(data, (out, inp), dev)?.to_dtype(dtype)?)
}

fn zeros(n: usize, dtype: DType, dev: &Device) -> Result<Var> {
    Var::zeros(n, dtype, dev)
}

impl Net {
    /// The device the network's weights live on (inputs must be put there too).
    pub fn device(&self) -> Device {
        self.out.w.device().clone()
    }

    /// A fresh network for `input` columns and one output.
    pub fn new(
        s: &NetSettings,
        input: usize,
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
        let out = dense("out", 1, inp, &mut rng, &mut params)?;
        Ok(Net {
            kind: s.kind,
            params,
            layers,
            out,
        })
    }

    /// The network on an input jet; the output jet has width 1.
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
        match &h {
            Some(h) => h.linear(self.out.w.as_tensor(), Some(self.out.b.as_tensor())),
            None => x.linear(self.out.w.as_tensor(), Some(self.out.b.as_tensor())),
        }
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

    pub fn parameter_count(&self) -> usize {
        self.params.iter().map(|(_, v)| v.elem_count()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pdec_lang::settings::Net as NetSettings;

    /// Value, directional first and second derivatives of the network at `x` along `v`, by
    /// jets; and the same by central finite differences of the plain forward pass, in f64.
    fn check(kind: NetKind, layers: usize) {
        let dev = Device::Cpu;
        let d = 3;
        let net = Net::new(
            &NetSettings {
                kind,
                layers,
                width: 8,
            },
            d,
            7,
            DType::F64,
            &dev,
        )
        .expect("net");
        let x = [0.3, -0.2, 0.7];
        let dirs = [[1.0, 0.0, 0.0], [0.2, -0.5, 0.9]];
        let eval = |p: &[f64]| -> f64 {
            let z = Tensor::from_vec(p.to_vec(), (1, d), &dev).expect("t");
            let j = net
                .forward(&InputJet {
                    z,
                    dirs: vec![],
                    general: None,
                    k2: 0,
                    summed: None,
                    consts: ConstCache::default(),
                    antithetic: None,
                    projections: None,
                })
                .expect("fwd");
            j.v.flatten_all().expect("f").to_vec1::<f64>().expect("v")[0]
        };
        let z = Tensor::from_vec(x.to_vec(), (1, d), &dev).expect("t");
        let general = Tensor::from_vec(dirs[1].to_vec(), (1, 1, d), &dev).expect("g");
        let input = |summed: Option<SumWeights>| InputJet {
            z: z.clone(),
            dirs: vec![InputDir::Unit { col: 0, scale: 1.0 }, InputDir::General(0)],
            general: Some(general.clone()),
            k2: 2,
            summed,
            consts: ConstCache::default(),
            antithetic: None,
            projections: None,
        };
        let jet = net.forward(&input(None)).expect("jet");
        // The summed channel, weighted and unweighted, equals the weighted sum of the
        // per-direction channels.
        let weights = [0.7, -1.3];
        let w = Tensor::from_vec(weights.to_vec(), (2, 1, 1), &dev).expect("w");
        let summed_with = |w: Option<Tensor>| -> f64 {
            let j = net.forward(&input(Some(SumWeights(w)))).expect("summed");
            j.s.expect("summed channel")
                .flatten_all()
                .expect("f")
                .to_vec1::<f64>()
                .expect("s")[0]
        };
        let (weighted, plain) = (summed_with(Some(w)), summed_with(None));
        let t = jet
            .t
            .expect("tangents")
            .flatten_all()
            .expect("f")
            .to_vec1::<f64>()
            .expect("t");
        let s = jet
            .s
            .expect("second")
            .flatten_all()
            .expect("f")
            .to_vec1::<f64>()
            .expect("s");
        let want = weights[0] * s[0] + weights[1] * s[1];
        assert!(
            (weighted - want).abs() <= 1e-12 * want.abs().max(1.0),
            "{kind:?} weighted summed channel {weighted} vs {want}"
        );
        assert!(
            (plain - (s[0] + s[1])).abs() <= 1e-12 * plain.abs().max(1.0),
            "{kind:?} summed channel {plain} vs {}",
            s[0] + s[1]
        );
        let h = 1e-4;
        for (k, v) in dirs.iter().enumerate() {
            let at = |e: f64| -> f64 {
                let p: Vec<f64> = x.iter().zip(v).map(|(a, b)| a + e * b).collect();
                eval(&p)
            };
            let (fp, f0, fm) = (at(h), at(0.0), at(-h));
            let d1 = (fp - fm) / (2.0 * h);
            let d2 = (fp - 2.0 * f0 + fm) / (h * h);
            assert!(
                (t[k] - d1).abs() <= 1e-6 * d1.abs().max(1.0),
                "{kind:?} tangent {k}: {} vs {d1}",
                t[k]
            );
            assert!(
                (s[k] - d2).abs() <= 1e-6 * d2.abs().max(1.0),
                "{kind:?} second {k}: {} vs {d2}",
                s[k]
            );
        }
    }

    /// Coordinate directions take the in-place row path ([`InputJet::add_linear`]); the same
    /// directions given as point-dependent ones take the general path: same jets.
    #[test]
    fn coordinate_directions_equal_the_same_general_directions() {
        let dev = Device::Cpu;
        let (d, n) = (3, 4);
        for kind in [NetKind::Dgm, NetKind::Mlp] {
            let net = Net::new(
                &NetSettings {
                    kind,
                    layers: 2,
                    width: 8,
                },
                d,
                11,
                DType::F64,
                &dev,
            )
            .expect("net");
            let z = Tensor::from_vec(
                (0..n * d)
                    .map(|i| (i as f64 * 0.37).sin())
                    .collect::<Vec<_>>(),
                (n, d),
                &dev,
            )
            .expect("z");
            let units = [(0usize, 1.0f64), (2, 0.5)];
            let mut general = vec![0.0; units.len() * n * d];
            for (k, (col, scale)) in units.iter().enumerate() {
                for p in 0..n {
                    general[(k * n + p) * d + col] = *scale;
                }
            }
            let general = Tensor::from_vec(general, (units.len(), n, d), &dev).expect("g");
            let run = |dirs: Vec<InputDir>, general: Option<Tensor>| {
                let j = net
                    .forward(&InputJet {
                        z: z.clone(),
                        dirs,
                        general,
                        k2: 2,
                        summed: None,
                        consts: ConstCache::default(),
                        antithetic: None,
                        projections: None,
                    })
                    .expect("jet");
                let flat = |t: Option<Tensor>| {
                    t.expect("channel")
                        .flatten_all()
                        .and_then(|t| t.to_vec1::<f64>())
                        .expect("v")
                };
                (flat(Some(j.v)), flat(j.t), flat(j.s))
            };
            let a = run(
                units
                    .iter()
                    .map(|(col, scale)| InputDir::Unit {
                        col: *col,
                        scale: *scale,
                    })
                    .collect(),
                None,
            );
            let b = run(
                vec![InputDir::General(0), InputDir::General(1)],
                Some(general),
            );
            for (x, y) in [(&a.0, &b.0), (&a.1, &b.1), (&a.2, &b.2)] {
                for (p, q) in x.iter().zip(y.iter()) {
                    assert!(
                        (p - q).abs() <= 1e-12 * q.abs().max(1.0),
                        "{kind:?}: {p} vs {q}"
                    );
                }
            }
        }
    }

    /// The antithetic input (each projection of `z` and `v` once) gives the values, tangents
    /// and parameter gradients of the explicit rows `[z + v_1, z - v_1, z + v_2, z - v_2]`
    /// with the general direction `[v_1, v_1, v_2, v_2]` (or with no direction: the values
    /// alone), for both networks, one pair and two.
    #[test]
    fn antithetic_rows_equal_explicit_rows() {
        let dev = Device::Cpu;
        let (n, d) = (5, 3);
        let t = |len: usize, shape: (usize, usize), seed: f64| {
            Tensor::from_vec(
                (0..len)
                    .map(|i| ((i as f64 + seed) * 0.37).sin())
                    .collect::<Vec<_>>(),
                shape,
                &dev,
            )
            .expect("t")
        };
        for kind in [NetKind::Mlp, NetKind::Dgm] {
            for pairs in [1, 2] {
                let net = Net::new(
                    &NetSettings {
                        kind,
                        layers: 2,
                        width: 6,
                    },
                    d,
                    13,
                    DType::F64,
                    &dev,
                )
                .expect("net");
                let z = t(n * d, (n, d), 1.0);
                let v = t(pairs * n * d, (pairs * n, d), 2.0);
                let run = |input: InputJet| {
                    let j = net.forward(&input).expect("jet");
                    let f = j.v.flatten_all().expect("f");
                    let tan = j.t.map(|t| t.flatten_all().expect("f"));
                    let mut loss = f.sqr().expect("sq").sum_all().expect("s");
                    if let Some(t) = &tan {
                        loss = (loss + t.sum_all().expect("s")).expect("loss");
                    }
                    let g = loss.backward().expect("backward");
                    let mut out = f.to_vec1::<f64>().expect("v");
                    if let Some(t) = &tan {
                        out.extend(t.to_vec1::<f64>().expect("t"));
                    }
                    for (_, p) in &net.params {
                        let gp = g.get(p.as_tensor()).expect("grad");
                        out.extend(gp.flatten_all().expect("f").to_vec1::<f64>().expect("g"));
                    }
                    (out, tan.is_some())
                };
                let mut rows = Vec::new();
                let mut dirs = Vec::new();
                for j in 0..pairs {
                    let vj = v.narrow(0, j * n, n).expect("vj");
                    rows.push((&z + &vj).expect("plus"));
                    rows.push((&z - &vj).expect("minus"));
                    dirs.push(vj.clone());
                    dirs.push(vj);
                }
                // With the tangent along v_j, and the values alone (no directions).
                for tangent in [true, false] {
                    let explicit = run(InputJet {
                        z: Tensor::cat(&rows, 0).expect("rows"),
                        dirs: match tangent {
                            true => vec![InputDir::General(0)],
                            false => vec![],
                        },
                        general: Some(Tensor::cat(&dirs, 0).expect("d").unsqueeze(0).expect("u")),
                        k2: 0,
                        summed: None,
                        consts: ConstCache::default(),
                        antithetic: None,
                        projections: None,
                    });
                    let shared = run(InputJet {
                        z: z.clone(),
                        dirs: match tangent {
                            true => vec![InputDir::General(0)],
                            false => vec![],
                        },
                        general: None,
                        k2: 0,
                        summed: None,
                        consts: ConstCache::default(),
                        antithetic: Some(v.clone()),
                        projections: None,
                    });
                    assert_eq!(explicit.1, tangent);
                    assert_eq!(shared.1, tangent);
                    assert_eq!(explicit.0.len(), shared.0.len());
                    for (a, b) in explicit.0.iter().zip(&shared.0) {
                        assert!(
                            (a - b).abs() <= 1e-12 * a.abs().max(1.0),
                            "{kind:?}, {pairs} pairs, tangent {tangent}: {a} vs {b}"
                        );
                    }
                }
            }
        }
    }

    /// A value pass and two antithetic passes at the same points give the same values,
    /// tangents and parameter gradients with shared projections as without, and share one
    /// projection per input weight.
    #[test]
    fn shared_projections_change_nothing_but_the_work() {
        let dev = Device::Cpu;
        let (n, d) = (4, 3);
        let t = |len: usize, shape: (usize, usize), seed: f64| {
            Tensor::from_vec(
                (0..len)
                    .map(|i| ((i as f64 + seed) * 0.53).cos())
                    .collect::<Vec<_>>(),
                shape,
                &dev,
            )
            .expect("t")
        };
        for (kind, input_weights) in [(NetKind::Mlp, 1), (NetKind::Dgm, 1 + 4 * 2)] {
            let net = Net::new(
                &NetSettings {
                    kind,
                    layers: 2,
                    width: 5,
                },
                d,
                17,
                DType::F64,
                &dev,
            )
            .expect("net");
            let z = t(n * d, (n, d), 0.5);
            let draws = [t(n * d, (n, d), 3.0), t(2 * n * d, (2 * n, d), 7.0)];
            let run = |projections: Option<Projections>| {
                let input = |antithetic: Option<Tensor>| InputJet {
                    z: z.clone(),
                    dirs: match antithetic {
                        Some(_) => vec![InputDir::General(0)],
                        None => vec![InputDir::Unit { col: 0, scale: 2.0 }],
                    },
                    general: None,
                    k2: 0,
                    summed: None,
                    consts: ConstCache::default(),
                    antithetic,
                    projections: projections.clone(),
                };
                let mut jets = vec![net.forward(&input(None)).expect("value pass")];
                for v in &draws {
                    jets.push(net.forward(&input(Some(v.clone()))).expect("antithetic"));
                }
                let mut loss = Tensor::zeros((), DType::F64, &dev).expect("zero");
                let mut out = Vec::new();
                for j in &jets {
                    let (f, tan) = (j.v.flatten_all().expect("f"), j.t.clone().expect("tangent"));
                    let tan = tan.flatten_all().expect("f");
                    loss = (loss + f.sqr().expect("sq").sum_all().expect("s")).expect("add");
                    loss = (loss + tan.sqr().expect("sq").sum_all().expect("s")).expect("add");
                    out.extend(f.to_vec1::<f64>().expect("v"));
                    out.extend(tan.to_vec1::<f64>().expect("t"));
                }
                let g = loss.backward().expect("backward");
                let banks: Vec<Projections> = projections.iter().cloned().collect();
                let gs = parameter_gradients(&net.params, &g, &banks).expect("gradients");
                for gp in gs {
                    out.extend(gp.flatten_all().expect("f").to_vec1::<f64>().expect("g"));
                }
                out
            };
            let alone = run(None);
            let cache = Projections::default();
            let shared = run(Some(cache.clone()));
            // The stacked products: the weights' gradients come from the leaves.
            let stacked = Projections::for_net(&net);
            let banked = run(Some(stacked.clone()));
            for other in [&shared, &banked] {
                assert_eq!(alone.len(), other.len());
                for (a, b) in alone.iter().zip(other) {
                    assert!(
                        (a - b).abs() <= 1e-12 * a.abs().max(1.0),
                        "{kind:?}: {a} vs {b}"
                    );
                }
            }
            let entries = cache.0.lock().expect("lock").biased.len();
            assert_eq!(entries, input_weights, "{kind:?}");
            let s = stacked.0.lock().expect("lock");
            // One stacked product for the points and one per set of directions (DGM only:
            // an MLP has one input weight).
            let products = s.points.iter().count() + s.directions.len();
            let expect = if input_weights > 1 {
                1 + draws.len()
            } else {
                0
            };
            assert_eq!(products, expect, "{kind:?}");
        }
    }

    #[test]
    fn jets_match_finite_differences() {
        check(NetKind::Mlp, 3);
        check(NetKind::Dgm, 2);
    }
}
