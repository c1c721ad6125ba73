//! Stage 7a, lower: IR expressions evaluated as candle tensors on a batch of points, with the
//! unknown and its derivatives read from one forward pass of the network's jet.
//!
//! A node's value on a batch is a tensor `[N, axes..., dims...]`: the batch, then one
//! dimension per free index axis (sorted), then the positional shape. Index sums reduce
//! axis dimensions, so `sum(i in 1..d) x[i] * d(u, x[i])` is a handful of tensor operations.
//!
//! The plan lists the derivatives each pass reads ([`Needs`]: first derivatives by input
//! column, diagonal and mixed second derivatives, the normal derivative); [`Directions`]
//! turns them into the network's tangent directions, second-order ones first.
//!
//! This file holds the input columns ([`Columns`]), the directions, and the network's forward
//! passes on a batch ([`forward`], [`forward_antithetic`]); [`eval`] evaluates the IR's nodes
//! on a batch ([`Evaluator`]).

use crate::consts::ConstCache;
use crate::jet::SumWeights;
use crate::nn::{Antithetic, InputDir, InputJet, Net, Projections};
use candle_core::{Result, Tensor};
use pdec_lang::geometry::inputs::{InputLayout, InputMap};
use pdec_lang::ir::{NodeId, Problem};
pub use pdec_lang::plan::needs::Needs;
use std::collections::{BTreeSet, HashMap};

mod eval;
mod features;
mod log_map;

pub use log_map::{LogMap, log_map};

pub use eval::Evaluator;

fn err(msg: impl Into<String>) -> candle_core::Error {
    candle_core::Error::Msg(msg.into())
}

/// The plan's input layout (`plan.layout`: where each input lives among the network's
/// columns) with its rescaling to [-1, 1].
#[derive(Clone, Debug)]
pub struct Columns {
    pub layout: InputLayout,
    /// Affine map to [-1, 1]: `z = scale * x + shift`, per column (of `ln(x + offset)` for a
    /// log column).
    pub scale: Vec<f64>,
    pub shift: Vec<f64>,
    /// Per column, `Some((offset, floor))` where the network reads `ln(x + offset)`
    /// (`InputMap::Log`; `floor` the range's start plus `offset`, below which the logarithm
    /// continues as its tangent line, see [`log_map`]); `None` for a coordinate read as it is.
    pub log: Vec<Option<(f64, f64)>>,
    /// Device copies of constants used with these columns.
    pub consts: ConstCache,
}

impl Columns {
    /// The columns of the plan's layout, each input's range mapped to [-1, 1].
    pub fn new(layout: &InputLayout) -> Columns {
        let width = layout.width;
        let (mut scale, mut shift) = (vec![1.0; width], vec![0.0; width]);
        let mut log = vec![None; width];
        for input in &layout.inputs {
            for (j, (&lo, &hi)) in input.lo.iter().zip(&input.hi).enumerate() {
                let (lo, hi) = match &input.map {
                    InputMap::Affine => (lo, hi),
                    InputMap::Log { offset } => {
                        let o = offset.get(j).copied().unwrap_or(0.0);
                        log[input.offset + j] = Some((o, lo + o));
                        ((lo + o).ln(), (hi + o).ln())
                    }
                };
                // Degenerate ranges cannot occur (checked), but keep the map finite anyway.
                let half = ((hi - lo) / 2.0).max(1e-300);
                scale[input.offset + j] = 1.0 / half;
                shift[input.offset + j] = -(lo + hi) / 2.0 / half;
            }
        }
        Columns {
            layout: layout.clone(),
            scale,
            shift,
            log,
            consts: ConstCache::default(),
        }
    }

    /// Whether some column is read through its logarithm.
    pub fn has_log(&self) -> bool {
        self.log.iter().any(Option::is_some)
    }

    /// Whether the network's input is not an affine map of the point: a log column, a
    /// hole's feature (`geometry::features`) or a periodic coordinate's cos and sin
    /// (`geometry::periodic`). Such inputs take the point-dependent jets of [`log_map`],
    /// which carry them all.
    pub fn nonaffine(&self) -> bool {
        self.has_log() || self.layout.has_features()
    }
}

/// The tangent directions of one forward pass and where each derivative is found.
#[derive(Clone, Debug, Default)]
pub struct Directions {
    pub dirs: Vec<InputDir>,
    /// Second-order channels: the first `k2` directions.
    pub k2: usize,
    pub first: HashMap<usize, usize>,
    pub diag: HashMap<usize, usize>,
    pub mixed: HashMap<(usize, usize), usize>,
    pub normal: Option<usize>,
    /// Point-dependent directions `[Kg, N, D]` in raw coordinates, built per batch.
    pub general_count: usize,
    /// First-order point-dependent directions (a drift `sum_i b_i(x) d(u, x[i])` is one
    /// Jacobian-vector product along `b`): where they start among `dirs`.
    pub jvp_start: usize,
}

impl Directions {
    /// Second-order unit directions, then mixed pairs, then `extra_general` point-dependent
    /// second-order directions (factor columns); then first-order only: the normal,
    /// `extra_first` point-dependent directions, unit directions.
    pub fn new(
        needs: &Needs,
        cols: &Columns,
        extra_general: usize,
        extra_unit_diag: &BTreeSet<usize>,
        extra_first: usize,
    ) -> Directions {
        let mut d = Directions::default();
        let diag: BTreeSet<usize> = needs.diag.union(extra_unit_diag).copied().collect();
        for c in &diag {
            d.diag.insert(*c, d.dirs.len());
            d.first.insert(*c, d.dirs.len());
            d.dirs.push(InputDir::Unit {
                col: *c,
                scale: cols.scale[*c],
            });
        }
        for pair in &needs.mixed {
            d.mixed.insert(*pair, d.dirs.len());
            d.dirs.push(InputDir::General(d.general_count));
            d.general_count += 1;
        }
        for _ in 0..extra_general {
            d.dirs.push(InputDir::General(d.general_count));
            d.general_count += 1;
        }
        d.k2 = d.dirs.len();
        if needs.normal {
            d.normal = Some(d.dirs.len());
            d.dirs.push(InputDir::General(d.general_count));
            d.general_count += 1;
        }
        d.jvp_start = d.dirs.len();
        for _ in 0..extra_first {
            d.dirs.push(InputDir::General(d.general_count));
            d.general_count += 1;
        }
        for c in &needs.first {
            if !d.first.contains_key(c) {
                d.first.insert(*c, d.dirs.len());
                d.dirs.push(InputDir::Unit {
                    col: *c,
                    scale: cols.scale[*c],
                });
            }
        }
        d
    }

    /// First index of the extra general directions (factor columns).
    pub fn factor_start(&self) -> usize {
        self.diag.len() + self.mixed.len()
    }
}

/// The network's output on a batch: value `[N]`, tangents `[K, N]`, channels `[K2, N]` (or
/// the summed channel `[N]`).
pub struct Outputs {
    pub f: Tensor,
    pub t: Option<Tensor>,
    /// Per-direction second-order channels `[K2, N]`.
    pub s: Option<Tensor>,
    /// The summed channel `sum_k w_k v_k^T H v_k` `[N]`, when one was asked for.
    pub sum: Option<Tensor>,
}

/// Points of one batch in raw coordinates, with what the evaluator needs of them.
pub struct Batch<'a> {
    pub x: Tensor,
    pub normals: Option<Tensor>,
    /// The network's outputs, one per unknown.
    pub out: &'a [Outputs],
    pub dirs: &'a Directions,
    /// The unknown coefficients' values (`[1]` each, `Op::Coef(k)` is the k-th; from
    /// [`crate::nn::Net::coefficients`], so their gradients reach the trained parameters).
    pub coefs: &'a [Tensor],
}

/// Normalised inputs `z = scale * x + shift` (of `ln(x + offset)` for a log column), then
/// the features.
pub fn normalise(x: &Tensor, cols: &Columns) -> Result<Tensor> {
    match cols.nonaffine() {
        true => with_features(rescale(&log_map(x, cols)?.value, cols)?, x, cols),
        false => rescale(x, cols),
    }
}

/// The normalised columns `z` `[N, D]` of the points `x` followed by the features (the
/// holes', the periodic coordinates').
fn with_features(z: Tensor, x: &Tensor, cols: &Columns) -> Result<Tensor> {
    match !cols.layout.has_features() {
        true => Ok(z),
        false => Tensor::cat(&[z, features::values(x, cols)?], 1),
    }
}

/// The columns' affine maps to [-1, 1], `scale * v + shift`, on `[N, D]` values.
fn rescale(v: &Tensor, cols: &Columns) -> Result<Tensor> {
    let (dev, dt) = (v.device(), v.dtype());
    let sc = cols
        .consts
        .floats(&cols.scale, &[1, cols.layout.width], dev, dt)?;
    let sh = cols
        .consts
        .floats(&cols.shift, &[1, cols.layout.width], dev, dt)?;
    v.broadcast_mul(&sc)?.broadcast_add(&sh)
}

/// Runs the network on raw points with the given directions. `general` holds the
/// point-dependent directions in raw coordinates `[Kg, N, D]` (mixed pairs first, then the
/// caller's); mixed-pair rows are filled here.
pub fn forward(
    net: &Net,
    cols: &Columns,
    x: &Tensor,
    dirs: &Directions,
    extra: Option<&Tensor>,
    normals: Option<&Tensor>,
    jvps: Option<&Tensor>,
) -> Result<Vec<Outputs>> {
    forward_with(net, cols, x, dirs, extra, normals, jvps, None, None)
}

/// [`forward`], carrying the second-order directions' weighted sum (the summed channel) instead
/// of one channel each when `summed` is given.
#[allow(clippy::too_many_arguments)]
pub fn forward_with(
    net: &Net,
    cols: &Columns,
    x: &Tensor,
    dirs: &Directions,
    extra: Option<&Tensor>,
    normals: Option<&Tensor>,
    jvps: Option<&Tensor>,
    summed: Option<SumWeights>,
    projections: Option<&Projections>,
) -> Result<Vec<Outputs>> {
    let n = x.dim(0)?;
    let (dev, dt) = (x.device().clone(), x.dtype());
    let sc = cols
        .consts
        .floats(&cols.scale, &[1, 1, cols.layout.width], &dev, dt)?;
    let mut parts: Vec<Tensor> = Vec::new();
    if !dirs.mixed.is_empty() {
        let mut pairs: Vec<(&(usize, usize), &usize)> = dirs.mixed.iter().collect();
        pairs.sort_by_key(|(_, k)| **k);
        let mut data = vec![0.0f64; pairs.len() * cols.layout.width];
        for (r, ((a, b), _)) in pairs.iter().enumerate() {
            data[r * cols.layout.width + a] = 1.0;
            data[r * cols.layout.width + b] = 1.0;
        }
        let m = cols
            .consts
            .floats(&data, &[pairs.len(), 1, cols.layout.width], &dev, dt)?;
        parts.push(
            m.broadcast_as((pairs.len(), n, cols.layout.width))?
                .contiguous()?,
        );
    }
    if let Some(e) = extra {
        parts.push(e.clone());
    }
    if let Some(nm) = normals {
        parts.push(nm.unsqueeze(0)?);
    }
    if let Some(j) = jvps {
        parts.push(j.clone());
    }
    let raw = match parts.len() {
        0 => None,
        _ => Some(Tensor::cat(&parts, 0)?),
    };
    let input = match cols.nonaffine() {
        true => log_map::input_jet(cols, x, dirs, raw.as_ref(), summed.clone(), projections)?,
        false => InputJet {
            z: normalise(x, cols)?,
            dirs: dirs.dirs.clone(),
            general: raw.map(|g| g.broadcast_mul(&sc)).transpose()?,
            k2: dirs.k2,
            summed: summed.clone(),
            consts: cols.consts.clone(),
            antithetic: None,
            projections: projections.cloned(),
            second: None,
        },
    };
    let jet = net.forward(&input)?;
    split_outputs(&jet, summed.is_some(), n, x)
}

/// The output jet `[N, M]` (tangents `[K, N, M]`, channels `[K2, N, M]` or the summed
/// `[N, M]`) cut into one [`Outputs`] per unknown.
fn split_outputs(
    jet: &crate::jet::Jet,
    summed: bool,
    n: usize,
    x: &Tensor,
) -> Result<Vec<Outputs>> {
    let m = jet.v.dim(1)?;
    let col = |t: &Tensor, dim: usize, k: usize| t.narrow(dim, k, 1)?.squeeze(dim);
    (0..m)
        .map(|k| {
            let f = col(&jet.v, 1, k)?;
            let t = jet.t.as_ref().map(|t| col(t, 2, k)).transpose()?;
            let (s, sum) = match summed {
                // A zero channel (no second-order direction reached the output) is `None`:
                // zeros.
                true => (
                    None,
                    Some(match &jet.s {
                        Some(s) => col(s, 1, k)?,
                        None => Tensor::zeros(n, x.dtype(), x.device())?,
                    }),
                ),
                false => (jet.s.as_ref().map(|s| col(s, 2, k)).transpose()?, None),
            };
            Ok(Outputs { f, t, s, sum })
        })
        .collect()
}

/// The network at the Monte Carlo estimator's antithetic pairs `[x + v_1, x - v_1, ...,
/// x + v_P, x - v_P]` (`x` `[N, D]`, `v` `[P N, D]` in raw coordinates) with the directional
/// derivative along `v_j` at both points of pair `j`: values `[2 P N]` and that one tangent
/// `[1, 2 P N]`, in that row order (see [`InputJet::antithetic`]); with `tangent` false, the
/// values alone.
pub fn forward_antithetic(
    net: &Net,
    cols: &Columns,
    x: &Tensor,
    v: &Tensor,
    tangent: bool,
    projections: Option<&Projections>,
) -> Result<Vec<Outputs>> {
    let (dev, dt) = (x.device().clone(), x.dtype());
    let sc = cols
        .consts
        .floats(&cols.scale, &[1, cols.layout.width], &dev, dt)?;
    let input = match cols.nonaffine() {
        true => log_map::antithetic_jet(cols, x, v, tangent)?,
        false => InputJet {
            z: normalise(x, cols)?,
            dirs: match tangent {
                true => vec![InputDir::General(0)],
                false => Vec::new(),
            },
            general: None,
            k2: 0,
            summed: None,
            consts: cols.consts.clone(),
            antithetic: Some(Antithetic::Dense(v.broadcast_mul(&sc)?)),
            projections: projections.cloned(),
            second: None,
        },
    };
    let jet = net.forward(&input)?;
    split_outputs(&jet, false, x.dim(0)?, x)
}

/// [`forward_antithetic`] along directions that each move one input column: row `r` of
/// the pairs moves column `at[r]` (`u32`, `[P N]`) by `by[r]`, in the user's coordinates.
/// The input weights' products with them are their columns (`O(W)` a row, not `O(D W)`),
/// and no `[P N, D]` tensor is formed; log columns take the dense form.
pub fn forward_antithetic_columns(
    net: &Net,
    cols: &Columns,
    x: &Tensor,
    (at, by): (&Tensor, &Tensor),
    tangent: bool,
    projections: Option<&Projections>,
) -> Result<Vec<Outputs>> {
    let (dev, dt) = (x.device().clone(), x.dtype());
    let width = cols.layout.width;
    if cols.nonaffine() {
        let all = Tensor::arange(0u32, width as u32, &dev)?.unsqueeze(0)?;
        let v = at
            .unsqueeze(1)?
            .broadcast_eq(&all)?
            .to_dtype(dt)?
            .broadcast_mul(&by.unsqueeze(1)?)?;
        return forward_antithetic(net, cols, x, &v, tangent, projections);
    }
    let sc = cols.consts.floats(&cols.scale, &[width], &dev, dt)?;
    let input = InputJet {
        z: normalise(x, cols)?,
        dirs: match tangent {
            true => vec![InputDir::General(0)],
            false => Vec::new(),
        },
        general: None,
        k2: 0,
        summed: None,
        consts: cols.consts.clone(),
        antithetic: Some(Antithetic::Columns {
            at: at.clone(),
            by: (by * sc.index_select(at, 0)?)?,
        }),
        projections: projections.cloned(),
        second: None,
    };
    let jet = net.forward(&input)?;
    split_outputs(&jet, false, x.dim(0)?, x)
}

/// A node free of derivatives of the network at points `x` `[N, D]`, with the network's
/// outputs given as `f` (`[N]` each, one per unknown) and the unknown coefficients' values
/// `coefs` (`[1]` each; empty where the node reads none): `[N]` (an exact solution, an
/// obstacle with `f` anything; an ansatz, or a condition's residual under one, with the
/// network's values or test draws).
pub fn eval_with_values(
    p: &Problem,
    cols: &Columns,
    node: NodeId,
    x: &Tensor,
    (f, coefs): (&[Tensor], &[Tensor]),
) -> Result<Tensor> {
    let n = x.dim(0)?;
    let out: Vec<Outputs> = f
        .iter()
        .map(|f| Outputs {
            f: f.clone(),
            t: None,
            s: None,
            sum: None,
        })
        .collect();
    let dirs = Directions::default();
    let mut ev = Evaluator::new(
        p,
        cols,
        Batch {
            x: x.clone(),
            normals: None,
            out: &out,
            dirs: &dirs,
            coefs,
        },
    );
    per_point(&ev.eval(node)?, n)
}

/// A node's value as `[N]`: constant nodes evaluate to a scalar, broadcast here.
pub fn per_point(v: &Tensor, n: usize) -> Result<Tensor> {
    if v.dims() == [n] {
        Ok(v.clone())
    } else {
        v.broadcast_as(n)?.contiguous()
    }
}
