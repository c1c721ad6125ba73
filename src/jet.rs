//! Forward-mode derivatives of the network as ordinary candle operations ("jets").
//!
//! A [`Jet`] carries a batch of values `v` `[N, W]`, first-order tangents `t` `[K, N, W]`
//! along K input directions, and second-order channels `s` `[K2, N, W]` for the first K2 of
//! those directions (`v^T H v` once it reaches the output). The rules (METHOD.md section 3):
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

use candle_core::{Result, Tensor};

#[derive(Clone, Debug)]
pub struct Jet {
    /// Values `[N, W]`.
    pub v: Tensor,
    /// First-order tangents `[K, N, W]`; `None` when K = 0.
    pub t: Option<Tensor>,
    /// Second-order channels `[K2, N, W]` for tangents `0..K2`; `None` means zero.
    pub s: Option<Tensor>,
    /// K2: how many leading tangents carry a second-order channel.
    pub k2: usize,
}

fn add_opt(a: Option<Tensor>, b: Option<Tensor>) -> Result<Option<Tensor>> {
    Ok(match (a, b) {
        (Some(a), Some(b)) => Some((a + b)?),
        (Some(a), None) | (None, Some(a)) => Some(a),
        (None, None) => None,
    })
}

/// `[N, W]` broadcast against `[K, N, W]`.
fn bmul(nw: &Tensor, knw: &Tensor) -> Result<Tensor> {
    knw.broadcast_mul(nw)
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
        Ok(Jet {
            v,
            t: self.t.as_ref().map(lin).transpose()?,
            s: self.s.as_ref().map(lin).transpose()?,
            k2: self.k2,
        })
    }

    pub fn add(&self, o: &Jet) -> Result<Jet> {
        Ok(Jet {
            v: (&self.v + &o.v)?,
            t: add_opt(self.t.clone(), o.t.clone())?,
            s: add_opt(self.s.clone(), o.s.clone())?,
            k2: self.k2.max(o.k2),
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
        let mut s = add_opt(
            self.s.as_ref().map(|s| bmul(&o.v, s)).transpose()?,
            o.s.as_ref().map(|s| bmul(&self.v, s)).transpose()?,
        )?;
        if let (Some(a), Some(b)) = (self.t2()?, o.t2()?) {
            s = add_opt(s, Some((a * b)?.affine(2.0, 0.0)?))?;
        }
        Ok(Jet { v, t, s, k2 })
    }

    /// `1 - self`.
    pub fn one_minus(&self) -> Result<Jet> {
        Ok(Jet {
            v: self.v.affine(-1.0, 1.0)?,
            t: self.t.as_ref().map(|t| t.neg()).transpose()?,
            s: self.s.as_ref().map(|s| s.neg()).transpose()?,
            k2: self.k2,
        })
    }

    pub fn tanh(&self) -> Result<Jet> {
        let y = self.v.tanh()?;
        let s1 = y.sqr()?.affine(-1.0, 1.0)?;
        let t = self.t.as_ref().map(|t| bmul(&s1, t)).transpose()?;
        let mut s = self.s.as_ref().map(|s| bmul(&s1, s)).transpose()?;
        if let Some(t2) = self.t2()? {
            let s2 = (&y * &s1)?.affine(-2.0, 0.0)?;
            s = add_opt(s, Some(bmul(&s2, &t2.sqr()?)?))?;
        }
        Ok(Jet {
            v: y,
            t,
            s,
            k2: self.k2,
        })
    }
}
