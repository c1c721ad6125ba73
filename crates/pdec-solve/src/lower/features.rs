//! The holes' inputs (`geometry::features`): per hole, `rho = a / s` with
//! `s = sqrt(|x_s - c|^2 + eps2)` over its space variable's columns `x_s`, mapped affinely to
//! `[-1, 1]` (`alpha rho + beta`). They are functions of the point, so a direction `v` moves
//! them by `grad rho . v = -a (d . v) / s^3` (`d = x_s - c`) and brings the second-order
//! channel `v^T H v = a (3 (d . v)^2 / s^5 - |v_s|^2 / s^3)`; the network's derivatives then
//! come out with respect to the user's coordinates, as with the log map.

use super::Columns;
use candle_core::{D, Result, Tensor};
use pdec_lang::geometry::features::HoleFeature;

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

/// The features' normalised values at points `x` `[N, W]`: `[N, F]`.
pub fn values(x: &Tensor, cols: &Columns) -> Result<Tensor> {
    let mut out = Vec::with_capacity(cols.layout.features.len());
    for f in &cols.layout.features {
        let (alpha, beta) = affine(f);
        let (_, inv) = geometry(f, x, cols)?;
        out.push(inv.affine(alpha * f.radius, beta)?);
    }
    Tensor::cat(&out, 1)
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
}
