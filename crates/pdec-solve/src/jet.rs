//! Forward-mode derivatives of the network as ordinary candle operations ("jets").
//!
//! A [`Jet`] carries a batch of values `v` `[N, W]`, first-order tangents `t` `[K, N, W]`
//! along K input directions, and second-order channels `s` `[K2, N, W]` for the first K2 of
//! those directions (`v^T H v` once it reaches the output). The rules:
//!
//! ```text
//! y = A z + b:   y' = A z',  y'' = A z''
//! y = tanh(z):   y' = s1 z', y'' = s1 z'' + s2 z'^2    (s1 = 1 - y^2, s2 = -2 y s1)
//! y = a * c:     y' = a' c + a c',  y'' = a'' c + 2 a' c' + a c''
//! ```
//!
//! Everything is one candle graph, so a single ordinary `backward()` of the loss gives the
//! parameter gradient; candle's double backward (silently wrong) is never used. `None`
//! tangents or channels stand for zeros and are never materialised.
//!
//! Summed channel. A Laplacian-type term `sum_k w_k v_k^T H v_k` needs only the weighted sum
//! of the K2 channels, and the rules are linear in them, so one `[N, W]` channel
//! `S = sum_k w_k s_k` can be carried instead of `[K2, N, W]` (half the matmul work of the
//! exact path disappears):
//!
//! ```text
//! y = A z + b:   S_y = A S_z
//! y = tanh(z):   S_y = s1 S_z + s2 sum_k w_k z'_k^2
//! y = a * c:     S_y = S_a c + a S_c + 2 sum_k w_k a'_k c'_k
//! ```
//!
//! The weights `w_k` (`[K2, N, 1]`, or all ones) may vary from point to point, which is how a
//! diagonal coefficient `d_k(x)` and the term's sign and scale are folded in.

use crate::kernels::bmul;
use candle_core::{Result, Tensor};

#[derive(Clone, Debug)]
pub struct Jet {
    /// Values `[N, W]`.
    pub v: Tensor,
    /// First-order tangents `[K, N, W]`; `None` when K = 0.
    pub t: Option<Tensor>,
    /// Second-order channels `[K2, N, W]` for tangents `0..K2`, or the summed channel
    /// `[N, W]` when `summed` is set; `None` means zero.
    pub s: Option<Tensor>,
    /// K2: how many leading tangents carry a second-order channel.
    pub k2: usize,
    /// `Some`: `s` is the weighted sum of the K2 channels (see the module comment).
    pub summed: Option<SumWeights>,
}

/// Weights of the summed channel: `[K2, N, 1]`, `None` for all ones.
#[derive(Clone, Debug)]
pub struct SumWeights(pub Option<Tensor>);

impl SumWeights {
    /// `sum_k w_k a_k b_k` over the leading axis of `[K2, N, W]` tensors.
    fn dot(&self, a: &Tensor, b: &Tensor) -> Result<Tensor> {
        crate::kernels::dot_k(a, b, self.0.as_ref())
    }
}

fn add_opt(a: Option<Tensor>, b: Option<Tensor>) -> Result<Option<Tensor>> {
    Ok(match (a, b) {
        (Some(a), Some(b)) => Some((a + b)?),
        (Some(a), None) | (None, Some(a)) => Some(a),
        (None, None) => None,
    })
}

impl Jet {
    /// Leading tangents that carry second-order channels.
    fn t2(&self) -> Result<Option<Tensor>> {
        match (&self.t, self.k2) {
            (_, 0) | (None, _) => Ok(None),
            (Some(t), k2) => Ok(Some(t.narrow(0, 0, k2)?)),
        }
    }

    /// `y = x W^T + b` with `w` `[out, in]`.
    pub fn linear(&self, w: &Tensor, b: Option<&Tensor>) -> Result<Jet> {
        let wt = w.t()?;
        let mut v = self.v.matmul(&wt)?;
        if let Some(b) = b {
            v = v.broadcast_add(b)?;
        }
        let lin = |x: &Tensor| -> Result<Tensor> {
            let (k, n, i) = x.dims3()?;
            x.reshape((k * n, i))?
                .matmul(&wt)?
                .reshape((k, n, wt.dim(1)?))
        };
        let s = match (&self.s, &self.summed) {
            (Some(s), Some(_)) => Some(s.matmul(&wt)?),
            (Some(s), None) => Some(lin(s)?),
            (None, _) => None,
        };
        Ok(Jet {
            v,
            t: self.t.as_ref().map(lin).transpose()?,
            s,
            k2: self.k2,
            summed: self.summed.clone(),
        })
    }

    pub fn add(&self, o: &Jet) -> Result<Jet> {
        Ok(Jet {
            v: (&self.v + &o.v)?,
            t: add_opt(self.t.clone(), o.t.clone())?,
            s: add_opt(self.s.clone(), o.s.clone())?,
            k2: self.k2.max(o.k2),
            summed: self.summed.clone().or_else(|| o.summed.clone()),
        })
    }

    /// Elementwise product, by the product rule.
    pub fn mul(&self, o: &Jet) -> Result<Jet> {
        let v = (&self.v * &o.v)?;
        let t = add_opt(
            self.t.as_ref().map(|t| bmul(&o.v, t)).transpose()?,
            o.t.as_ref().map(|t| bmul(&self.v, t)).transpose()?,
        )?;
        let k2 = self.k2.max(o.k2);
        let summed = self.summed.clone().or_else(|| o.summed.clone());
        // [N, W] * [N, W] for the summed channel, [N, W] * [K2, N, W] per direction.
        let times = |s: &Tensor, v: &Tensor| -> Result<Tensor> {
            match summed {
                Some(_) => s * v,
                None => bmul(v, s),
            }
        };
        let mut s = add_opt(
            self.s.as_ref().map(|s| times(s, &o.v)).transpose()?,
            o.s.as_ref().map(|s| times(s, &self.v)).transpose()?,
        )?;
        if let (Some(a), Some(b)) = (self.t2()?, o.t2()?) {
            let cross = match &summed {
                Some(w) => w.dot(&a, &b)?,
                None => (a * b)?,
            };
            s = add_opt(s, Some(cross.affine(2.0, 0.0)?))?;
        }
        Ok(Jet {
            v,
            t,
            s,
            k2,
            summed,
        })
    }

    /// `1 - self`.
    pub fn one_minus(&self) -> Result<Jet> {
        Ok(Jet {
            v: self.v.affine(-1.0, 1.0)?,
            t: self.t.as_ref().map(|t| t.neg()).transpose()?,
            s: self.s.as_ref().map(|s| s.neg()).transpose()?,
            k2: self.k2,
            summed: self.summed.clone(),
        })
    }

    pub fn tanh(&self) -> Result<Jet> {
        let y = crate::kernels::tanh(&self.v)?;
        if self.t.is_none() && self.s.is_none() {
            // Values alone (the Monte Carlo estimator's antithetic rows): no derivative
            // factors to form.
            return Ok(Jet {
                v: y,
                t: None,
                s: None,
                k2: self.k2,
                summed: self.summed.clone(),
            });
        }
        let s1 = y.sqr()?.affine(-1.0, 1.0)?;
        let t = self.t.as_ref().map(|t| bmul(&s1, t)).transpose()?;
        let times = |s: &Tensor, v: &Tensor| -> Result<Tensor> {
            match self.summed {
                Some(_) => s * v,
                None => bmul(v, s),
            }
        };
        let mut s = self.s.as_ref().map(|s| times(s, &s1)).transpose()?;
        if let Some(t2) = self.t2()? {
            let s2 = (&y * &s1)?.affine(-2.0, 0.0)?;
            let sq = match &self.summed {
                Some(w) => w.dot(&t2, &t2)?,
                None => t2.sqr()?,
            };
            s = add_opt(s, Some(times(&sq, &s2)?))?;
        }
        Ok(Jet {
            v: y,
            t,
            s,
            k2: self.k2,
            summed: self.summed.clone(),
        })
    }

    /// The jets of several networks on the same input side by side, output columns in
    /// order: values `[N, W1 + W2 + ...]` and the tangents and channels likewise (a channel
    /// one network lacks, zero, is made zeros beside another's).
    pub fn cat_outputs(jets: &[Jet]) -> Result<Jet> {
        let first = jets
            .first()
            .ok_or_else(|| candle_core::Error::Msg("invariant: one jet at least".into()))?;
        let last = |t: &Tensor| t.rank() - 1;
        let cat = |parts: Vec<Option<&Tensor>>, like: &[&Tensor]| -> Result<Option<Tensor>> {
            let Some(model) = parts.iter().flatten().next().copied() else {
                return Ok(None);
            };
            let filled = parts
                .iter()
                .zip(like)
                .map(|(p, v)| match p {
                    Some(p) => Ok((*p).clone()),
                    None => {
                        let mut dims = model.dims().to_vec();
                        let n = dims.len();
                        dims[n - 1] = v.dim(1)?;
                        Tensor::zeros(dims, model.dtype(), model.device())
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Some(Tensor::cat(&filled, last(model))?))
        };
        let values: Vec<&Tensor> = jets.iter().map(|j| &j.v).collect();
        Ok(Jet {
            v: Tensor::cat(&values, 1)?,
            t: cat(jets.iter().map(|j| j.t.as_ref()).collect(), &values)?,
            s: cat(jets.iter().map(|j| j.s.as_ref()).collect(), &values)?,
            k2: jets.iter().map(|j| j.k2).max().unwrap_or(first.k2),
            summed: jets.iter().find_map(|j| j.summed.clone()),
        })
    }

    /// The output columns `cols` in that order (on values, tangents and channels).
    pub fn select_outputs(&self, cols: &Tensor) -> Result<Jet> {
        let pick = |t: &Tensor| t.index_select(cols, t.rank() - 1);
        Ok(Jet {
            v: pick(&self.v)?,
            t: self.t.as_ref().map(pick).transpose()?,
            s: self.s.as_ref().map(pick).transpose()?,
            k2: self.k2,
            summed: self.summed.clone(),
        })
    }
}
