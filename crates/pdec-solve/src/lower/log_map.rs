//! The network's input where some columns are read as log-prices (`InputMap::Log`, chosen by
//! `pdec_lang::plan::coordinates`): `z = scale * ln(x + offset) + shift` on those columns.
//! The map is not affine, so the input jet is no longer the points with constant tangents:
//! a direction `v` (in the user's coordinates) has the tangent `J(x) v` and the second-order
//! channel `H(x) v^2` (per column: `J = scale / (x + offset)`, `H = -scale / (x + offset)^2`),
//! and the network's derivatives come out with respect to the user's coordinates, so the
//! residual is the one written. Below the range's start the logarithm continues as its
//! tangent line, so that the Monte Carlo estimator's shifted points `x - v`, which may fall
//! below zero, still have finite values.

use super::{Columns, Directions};
use crate::jet::SumWeights;
use crate::nn::{InputDir, InputJet, Projections};
use candle_core::{Result, Tensor};

/// A batch of points through the columns' logarithms, before the affine map: per column the
/// value, its first derivative and its second derivative, each `[N, D]` (`x`, 1 and 0 on a
/// column read as it is).
pub struct LogMap {
    pub value: Tensor,
    pub jacobian: Tensor,
    pub curvature: Tensor,
}

/// `ln(x + offset)` on log columns (the tangent line of the logarithm below `floor`), `x` on
/// the others, with the derivatives.
pub fn log_map(x: &Tensor, cols: &Columns) -> Result<LogMap> {
    let (dev, dt) = (x.device(), x.dtype());
    let w = cols.layout.width;
    let row = |f: &dyn Fn(Option<(f64, f64)>) -> f64| -> Result<Tensor> {
        let data: Vec<f64> = cols.log.iter().map(|l| f(*l)).collect();
        cols.consts.floats(&data, &[1, w], dev, dt)
    };
    let mask = row(&|l| if l.is_some() { 1.0 } else { 0.0 })?;
    // On columns read as they are, the logarithm's argument is held at 1 (its value 0).
    let offset = row(&|l| l.map_or(1.0, |(o, _)| o))?;
    let floor = row(&|l| l.map_or(1.0, |(_, f)| f))?;
    let arg = x.broadcast_mul(&mask)?.broadcast_add(&offset)?;
    let at = arg.broadcast_maximum(&floor)?;
    // `ln(at) + (arg - at) / floor`: the logarithm above the floor, its tangent line below.
    let logs = at.log()?.add(&(arg.sub(&at)?.broadcast_div(&floor)?))?;
    let keep = mask.affine(-1.0, 1.0)?;
    let value = x.broadcast_mul(&keep)?.add(&logs)?;
    let inv = at.recip()?;
    let jacobian = inv.broadcast_mul(&mask)?.broadcast_add(&keep)?;
    let above = arg.broadcast_ge(&floor)?.to_dtype(dt)?;
    let curvature = inv.sqr()?.neg()?.mul(&above)?.broadcast_mul(&mask)?;
    Ok(LogMap {
        value,
        jacobian,
        curvature,
    })
}

/// The input jet of [`super::forward_with`] on log columns: every direction becomes a
/// point-dependent one (`J(x) v` in normalised coordinates), and the second-order directions
/// bring the map's channels `H(x) v^2` (one each, or their weighted sum under `summed`).
/// `general` holds the caller's point-dependent directions in raw coordinates `[Kg, N, D]`.
pub(super) fn input_jet(
    cols: &Columns,
    x: &Tensor,
    dirs: &Directions,
    general: Option<&Tensor>,
    summed: Option<SumWeights>,
    projections: Option<&Projections>,
) -> Result<InputJet> {
    let (n, w) = (x.dim(0)?, cols.layout.width);
    let (dev, dt) = (x.device(), x.dtype());
    let map = log_map(x, cols)?;
    let sc = cols.consts.floats(&cols.scale, &[1, w], dev, dt)?;
    let z = super::with_features(super::rescale(&map.value, cols)?, x, cols)?;
    // The directions in raw coordinates, in `dirs` order: unit rows, then the caller's.
    let mut raw = Vec::with_capacity(dirs.dirs.len());
    for d in &dirs.dirs {
        raw.push(match d {
            InputDir::Unit { col, .. } => {
                let mut e = vec![0.0; w];
                e[*col] = 1.0;
                cols.consts
                    .floats(&e, &[1, 1, w], dev, dt)?
                    .broadcast_as((1, n, w))?
                    .contiguous()?
            }
            InputDir::General(k) => match general {
                Some(g) => g.narrow(0, *k, 1)?,
                None => return Err(super::err("invariant: general directions have a tensor")),
            },
        });
    }
    let (tangents, second) = match raw.is_empty() {
        true => (None, None),
        false => {
            let raw = Tensor::cat(&raw, 0)?; // [K, N, D]
            let jac = map.jacobian.broadcast_mul(&sc)?;
            let mut tangents = raw.broadcast_mul(&jac.unsqueeze(0)?)?;
            // The features (holes', periodic) move along every direction (`[K, N, F]`
            // appended).
            let holes = match !cols.layout.has_features() {
                true => None,
                false => Some(super::features::jets(x, &raw, dirs.k2, cols)?),
            };
            if let Some((t, _)) = &holes {
                tangents = Tensor::cat(&[&tangents, t], 2)?;
            }
            let second = match dirs.k2 {
                0 => None,
                k2 => {
                    let curv = map.curvature.broadcast_mul(&sc)?.unsqueeze(0)?;
                    let mut per = raw.narrow(0, 0, k2)?.sqr()?.broadcast_mul(&curv)?; // [K2, N, D]
                    if let Some((_, Some(h))) = &holes {
                        per = Tensor::cat(&[&per, h], 2)?;
                    }
                    Some(match &summed {
                        None => per,
                        Some(SumWeights(None)) => per.sum(0)?,
                        Some(SumWeights(Some(wk))) => per.broadcast_mul(wk)?.sum(0)?,
                    })
                }
            };
            (Some(tangents), second)
        }
    };
    Ok(InputJet {
        z,
        dirs: (0..dirs.dirs.len()).map(InputDir::General).collect(),
        general: tangents,
        k2: dirs.k2,
        summed,
        consts: cols.consts.clone(),
        antithetic: None,
        projections: projections.cloned(),
        second,
    })
}

/// The input jet of [`super::forward_antithetic`] on log columns: the pairs' points `x +- v_j`
/// mapped one by one (the map is not linear, so `z +- v W^T` does not apply), each with the
/// tangent `J(x +- v_j) v_j` when `tangent` is set; rows `[x + v_1, x - v_1, ...]`.
pub(super) fn antithetic_jet(
    cols: &Columns,
    x: &Tensor,
    v: &Tensor,
    tangent: bool,
) -> Result<InputJet> {
    let (n, w) = (x.dim(0)?, cols.layout.width);
    let (dev, dt) = (x.device(), x.dtype());
    let pairs = v.dim(0)? / n.max(1);
    let v = v.reshape((pairs, n, w))?;
    let base = x.unsqueeze(0)?.broadcast_as((pairs, n, w))?;
    let rows = Tensor::stack(&[base.add(&v)?, base.sub(&v)?], 1)?.reshape((2 * pairs * n, w))?;
    let map = log_map(&rows, cols)?;
    let sc = cols.consts.floats(&cols.scale, &[1, w], dev, dt)?;
    let z = super::with_features(super::rescale(&map.value, cols)?, &rows, cols)?;
    let general = match tangent {
        false => None,
        true => {
            let both = Tensor::stack(&[&v, &v], 1)?.reshape((2 * pairs * n, w))?;
            let t = both.mul(&map.jacobian.broadcast_mul(&sc)?)?.unsqueeze(0)?;
            Some(match !cols.layout.has_features() {
                true => t,
                false => {
                    let (h, _) = super::features::jets(&rows, &both.unsqueeze(0)?, 0, cols)?;
                    Tensor::cat(&[&t, &h], 2)?
                }
            })
        }
    };
    Ok(InputJet {
        z,
        dirs: match tangent {
            true => vec![InputDir::General(0)],
            false => Vec::new(),
        },
        general,
        k2: 0,
        summed: None,
        consts: cols.consts.clone(),
        antithetic: None,
        projections: None,
        second: None,
    })
}
