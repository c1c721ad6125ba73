//! The input projections `z W^T + b` shared by a step's passes over the same points, the
//! stacked product of all input weights at once, and the parameter gradients that put back
//! what the stacked products held from backward ([`parameter_gradients`]).

use super::Net;
use candle_core::backprop::GradStore;
use candle_core::{Result, Tensor, TensorId, Var};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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
    pub(super) fn points(&self, z: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Result<Tensor> {
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
    pub(super) fn directions(&self, v: &Tensor, w: &Tensor) -> Result<Tensor> {
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

/// Each parameter of `net` its gradient in order (zeros where the loss does not depend on
/// it): `grads`' own plus what `projections` held back (see
/// [`Projections::weight_gradients`]), the input columns a network does not read masked
/// ([`Net::mask_gradients`]).
pub fn parameter_gradients(
    net: &Net,
    grads: &GradStore,
    projections: &[Projections],
) -> Result<Vec<Tensor>> {
    let params = &net.params;
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
    let all = params
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
        .collect::<Result<Vec<_>>>()?;
    net.mask_gradients(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consts::ConstCache;
    use crate::nn::{InputDir, InputJet};
    use candle_core::{DType, Device};
    use pdec_lang::settings::{Net as NetSettings, NetKind};

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
                    antithetic: antithetic.map(crate::nn::Antithetic::Dense),
                    projections: projections.clone(),
                    second: None,
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
                let gs = parameter_gradients(&net, &g, &banks).expect("gradients");
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
}
