//! The holes' inputs (`geometry::features`): per hole, `rho = a / s` with
//! `s = sqrt(|x_s - c|^2 + eps2)` over its space variable's columns `x_s`, mapped affinely to
//! `[-1, 1]` (`alpha rho + beta`). They are functions of the point, so a direction `v` moves
//! them by `grad rho . v = -a (d . v) / s^3` (`d = x_s - c`) and brings the second-order
//! channel `v^T H v = a (3 (d . v)^2 / s^5 - |v_s|^2 / s^3)`; the network's derivatives then
//! come out with respect to the user's coordinates, as with the log map.
//!
//! Then each periodic coordinate's pair (`geometry::periodic`): `cos theta`, `sin theta` with
//! `theta = w (x_k - lo)`, `w = 2 pi / L`. Along `v` their tangents are `-sin(theta) w v_k`
//! and `cos(theta) w v_k`, their second-order channels `-cos(theta) w^2 v_k^2` and
//! `-sin(theta) w^2 v_k^2`.

use super::Columns;
use candle_core::{D, Result, Tensor};
use pdec_lang::geometry::features::HoleFeature;
use pdec_lang::geometry::periodic::PeriodicFeature;

/// The affine map of a feature's range to `[-1, 1]`: `(alpha, beta)`.
fn affine(f: &HoleFeature) -> (f64, f64) {
    let half = ((f.hi - f.lo) / 2.0).max(1e-300);
    (1.0 / half, -(f.hi + f.lo) / 2.0 / half)
}

/// One feature's pieces at points `x` `[N, W]`: `d = x_s - c` `[N, len]` and `1 / s` `[N, 1]`.
fn geometry(f: &HoleFeature, x: &Tensor, cols: &Columns) -> Result<(Tensor, Tensor)> {
    let (dev, dt) = (x.device(), x.dtype());
    let c = cols.consts.floats(&f.center, &[1, f.len], dev, dt)?;
    let d = x.narrow(D::Minus1, f.offset, f.len)?.broadcast_sub(&c)?;
    let inv = (d.sqr()?.sum_keepdim(D::Minus1)? + f.eps2())?
        .sqrt()?
        .recip()?;
    Ok((d, inv))
}

/// A periodic coordinate's angle `theta = w (x_k - lo)` at points `x` `[N, W]`: `[N, 1]`.
fn angle(f: &PeriodicFeature, x: &Tensor) -> Result<Tensor> {
    let w = f.omega();
    x.narrow(D::Minus1, f.column, 1)?.affine(w, -w * f.lo)
}

/// The features' normalised values at points `x` `[N, W]`: `[N, F]` (the holes', then each
/// periodic coordinate's cos and sin).
pub fn values(x: &Tensor, cols: &Columns) -> Result<Tensor> {
    let mut out = Vec::with_capacity(cols.layout.net_width() - cols.layout.width);
    for f in &cols.layout.features {
        let (alpha, beta) = affine(f);
        let (_, inv) = geometry(f, x, cols)?;
        out.push(inv.affine(alpha * f.radius, beta)?);
    }
    for f in &cols.layout.periodic {
        let th = angle(f, x)?;
        out.push(th.cos()?);
        out.push(th.sin()?);
    }
    Tensor::cat(&out, 1)
}

/// A periodic pair's tangents `[K, N, 2]` along `raw` `[K, N, W]` and the channels of the
/// first `k2` directions (`[k2, N, 2]`).
fn periodic_jets(
    f: &PeriodicFeature,
    x: &Tensor,
    raw: &Tensor,
    k2: usize,
) -> Result<(Tensor, Option<Tensor>)> {
    let w = f.omega();
    let th = angle(f, x)?;
    let (c, s) = (th.cos()?.unsqueeze(0)?, th.sin()?.unsqueeze(0)?); // [1, N, 1]
    let vk = raw.narrow(2, f.column, 1)?; // [K, N, 1]
    let tangent = Tensor::cat(
        &[
            vk.broadcast_mul(&s)?.affine(-w, 0.0)?,
            vk.broadcast_mul(&c)?.affine(w, 0.0)?,
        ],
        2,
    )?;
    let second = match k2 {
        0 => None,
        _ => {
            let v2 = vk.narrow(0, 0, k2)?.sqr()?;
            Some(Tensor::cat(
                &[
                    v2.broadcast_mul(&c)?.affine(-w * w, 0.0)?,
                    v2.broadcast_mul(&s)?.affine(-w * w, 0.0)?,
                ],
                2,
            )?)
        }
    };
    Ok((tangent, second))
}

/// The features' tangents along the raw directions `raw` `[K, N, W]` at points `x` `[N, W]`
/// (`[K, N, F]`, normalised), and the second-order channels of the first `k2` of them
/// (`[k2, N, F]`; `None` when `k2` is 0).
pub fn jets(
    x: &Tensor,
    raw: &Tensor,
    k2: usize,
    cols: &Columns,
) -> Result<(Tensor, Option<Tensor>)> {
    let (mut tangents, mut second) = (Vec::new(), Vec::new());
    for f in &cols.layout.features {
        let (alpha, _) = affine(f);
        let a = alpha * f.radius;
        let (d, inv) = geometry(f, x, cols)?;
        let vs = raw.narrow(2, f.offset, f.len)?; // [K, N, len]
        let dv = vs.broadcast_mul(&d.unsqueeze(0)?)?.sum_keepdim(2)?; // [K, N, 1]
        let inv3 = inv.powf(3.0)?.unsqueeze(0)?; // [1, N, 1]
        tangents.push(dv.broadcast_mul(&inv3)?.affine(-a, 0.0)?);
        if k2 > 0 {
            let dv = dv.narrow(0, 0, k2)?;
            let vv = vs.narrow(0, 0, k2)?.sqr()?.sum_keepdim(2)?;
            let inv5 = inv.powf(5.0)?.unsqueeze(0)?;
            let h =
                (dv.sqr()?.broadcast_mul(&inv5)?.affine(3.0, 0.0)? - vv.broadcast_mul(&inv3)?)?;
            second.push(h.affine(a, 0.0)?);
        }
    }
    for f in &cols.layout.periodic {
        let (t, s) = periodic_jets(f, x, raw, k2)?;
        tangents.push(t);
        second.extend(s);
    }
    let second = match k2 {
        0 => None,
        _ => Some(Tensor::cat(&second, 2)?),
    };
    Ok((Tensor::cat(&tangents, 2)?, second))
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};
    use pdec_lang::geometry::inputs::InputLayout;

    fn columns() -> Columns {
        let f = HoleFeature {
            var: "x".into(),
            prim: 1,
            offset: 0,
            len: 2,
            center: vec![0.1, -0.2],
            radius: 0.3,
            lo: 0.1,
            hi: 0.9,
        };
        let layout = InputLayout {
            inputs: Vec::new(),
            width: 2,
            features: vec![f],
            periodic: Vec::new(),
        };
        Columns::new(&layout)
    }

    /// The tangents and channels against central differences of the values, in f64.
    #[test]
    fn jets_are_the_derivatives_of_the_values() {
        let cols = columns();
        let dev = Device::Cpu;
        let p = [0.5, 0.4];
        let v = [0.3, -0.7];
        let at = |s: f64| -> f64 {
            let x = Tensor::new(&[[p[0] + s * v[0], p[1] + s * v[1]]], &dev).expect("x");
            values(&x, &cols)
                .expect("values")
                .flatten_all()
                .expect("f")
                .to_vec1::<f64>()
                .expect("v")[0]
        };
        let x = Tensor::new(&[p], &dev).expect("x");
        let raw = Tensor::new(&[[v]], &dev)
            .expect("raw")
            .to_dtype(DType::F64)
            .expect("f64");
        let (t, s) = jets(&x, &raw, 1, &cols).expect("jets");
        let t = t.flatten_all().expect("t").to_vec1::<f64>().expect("t")[0];
        let s = s
            .expect("second")
            .flatten_all()
            .expect("s")
            .to_vec1::<f64>()
            .expect("s")[0];
        let h = 1e-4;
        let fd1 = (at(h) - at(-h)) / (2.0 * h);
        let fd2 = (at(h) - 2.0 * at(0.0) + at(-h)) / (h * h);
        assert!((t - fd1).abs() < 1e-7, "{t} {fd1}");
        assert!((s - fd2).abs() < 1e-4, "{s} {fd2}");
    }

    /// A periodic coordinate's cos and sin: tangents and channels against central
    /// differences along a direction that moves both columns, and equal values (and jets)
    /// at `lo` and `hi`.
    #[test]
    fn periodic_jets_are_the_derivatives_of_the_values() -> Result<()> {
        let layout = InputLayout {
            inputs: Vec::new(),
            width: 2,
            features: Vec::new(),
            periodic: vec![PeriodicFeature {
                var: "x[2]".into(),
                column: 1,
                lo: -0.5,
                hi: 2.5,
            }],
        };
        let cols = Columns::new(&layout);
        let dev = Device::Cpu;
        let (p, v) = ([0.3, 0.8], [0.6, -1.3]);
        let at = |s: f64| -> Result<Vec<f64>> {
            let x = Tensor::new(&[[p[0] + s * v[0], p[1] + s * v[1]]], &dev)?;
            values(&x, &cols)?.flatten_all()?.to_vec1::<f64>()
        };
        let x = Tensor::new(&[p], &dev)?;
        let raw = Tensor::new(&[[v]], &dev)?;
        let (t, s) = jets(&x, &raw, 1, &cols)?;
        let t = t.flatten_all()?.to_vec1::<f64>()?;
        let s = s.ok_or_else(|| super::super::err("no channel"))?;
        let s = s.flatten_all()?.to_vec1::<f64>()?;
        let h = 1e-4;
        let (a, b, c) = (at(h)?, at(0.0)?, at(-h)?);
        for j in 0..2 {
            let fd1 = (a[j] - c[j]) / (2.0 * h);
            let fd2 = (a[j] - 2.0 * b[j] + c[j]) / (h * h);
            assert!((t[j] - fd1).abs() < 1e-7, "tangent {j}: {} {fd1}", t[j]);
            assert!((s[j] - fd2).abs() < 1e-5, "channel {j}: {} {fd2}", s[j]);
        }
        // The two faces give the same inputs and the same jets.
        let faces = Tensor::new(&[[0.3, -0.5], [0.3, 2.5]], &dev)?;
        let f = values(&faces, &cols)?.to_vec2::<f64>()?;
        let dirs = Tensor::new(&[[v, v]], &dev)?;
        let (t, s) = jets(&faces, &dirs, 1, &cols)?;
        let (t, s) = (
            t.squeeze(0)?.to_vec2::<f64>()?,
            s.ok_or_else(|| super::super::err("no channel"))?
                .squeeze(0)?
                .to_vec2::<f64>()?,
        );
        for j in 0..2 {
            assert!((f[0][j] - f[1][j]).abs() < 1e-12, "{f:?}");
            assert!((t[0][j] - t[1][j]).abs() < 1e-12, "{t:?}");
            assert!((s[0][j] - s[1][j]).abs() < 1e-12, "{s:?}");
        }
        Ok(())
    }
}
