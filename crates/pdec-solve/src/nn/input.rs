//! The network input as a jet: [`InputJet`], the normalised points with their tangent
//! directions ([`InputDir`]: coordinate directions, or point-dependent ones), and its affine
//! maps `z W^T + b` with tangents, by coordinate rows, by point-dependent products, or on the
//! Monte Carlo estimator's antithetic rows. The points' products come from the shared
//! [`Projections`] when a step has them.

use super::projections::Projections;
use crate::consts::ConstCache;
use crate::jet::{Jet, SumWeights};
use candle_core::{Result, Tensor};

/// One tangent direction of the network input, in normalised coordinates.
#[derive(Clone, Debug)]
pub enum InputDir {
    /// `scale * e_col`: a coordinate direction (cheap: a column of each input weight).
    Unit { col: usize, scale: f64 },
    /// Row `index` of [`InputJet::general`]: a direction that varies from point to point.
    General(usize),
}

/// The Monte Carlo estimator's directions `v_j` of the antithetic rows (see
/// [`InputJet::antithetic`]), in normalised coordinates.
#[derive(Clone, Debug)]
pub enum Antithetic {
    /// `[P N, D]`.
    Dense(Tensor),
    /// Row `r` moves input column `at[r]` (`u32`, `[P N]`) by `by[r]` (`[P N]`): sampled
    /// coordinates of a diagonal factor, whose products with a weight are its columns.
    Columns { at: Tensor, by: Tensor },
}

/// The network input with its tangent directions, and the input map's second-order channels
/// where it has some (an affine map has none; a log column does: `crate::lower::LogMap`).
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
    pub antithetic: Option<Antithetic>,
    /// `Some`: the input projections of these points, shared with the step's other passes
    /// over the same points.
    pub projections: Option<Projections>,
    /// The input's second-order channels in normalised coordinates: `[K2, N, D]`, or the
    /// summed channel `[N, D]` under `summed`; `None` for zero (an affine input map).
    pub second: Option<Tensor>,
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
        // The input map's own second-order channels, through the same product.
        let s = match &self.second {
            None => None,
            Some(h) if h.rank() == 2 => Some(crate::kernels::data_matmul(h, &wt)?),
            Some(h) => {
                let (k, d) = (h.dim(0)?, h.dim(2)?);
                Some(
                    crate::kernels::data_matmul(&h.reshape((k * n, d))?, &wt)?
                        .reshape((k, n, width))?,
                )
            }
        };
        Ok(Jet {
            v,
            t,
            s,
            k2: self.k2,
            summed: self.summed.clone(),
        })
    }
}

impl InputJet {
    /// [`InputJet::linear`] on antithetic rows: `(z +- v_j) W^T + b = (z W^T + b) +- v_j W^T`,
    /// tangent `v_j W^T` on both rows of a pair.
    fn antithetic_linear(&self, v: &Antithetic, w: &Tensor, b: Option<&Tensor>) -> Result<Jet> {
        let wt = w.t()?;
        let (n, width) = (self.z.dim(0)?, wt.dim(1)?);
        let pz = self.project(w, b)?;
        let pv = match (v, &self.projections) {
            (Antithetic::Dense(v), Some(p)) => p.directions(v, w)?,
            (Antithetic::Dense(v), None) => crate::kernels::data_matmul(v, &wt)?,
            // `by[r] W[:, at[r]]`: a column of the weight per row.
            (Antithetic::Columns { at, by }, _) => w
                .index_select(at, 1)?
                .t()?
                .broadcast_mul(&by.unsqueeze(1)?)?,
        };
        let pairs = pv.dim(0)? / n.max(1);
        let pv = pv.reshape((pairs, n, width))?;
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
