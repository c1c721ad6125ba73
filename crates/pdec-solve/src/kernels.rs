//! Fused CPU kernels for the jets' direction-axis work, as candle custom ops with their own
//! backward passes.
//!
//! Composed from candle ops, `[N, W] * [K, N, W]` is a broadcast multiply whose backward for
//! the `[N, W]` operand materialises `g * x` (`[K, N, W]`) and then sums it over the leading
//! axis in a single-threaded scalar loop; `sum_k w_k a_k b_k` materialises two `[K, N, W]`
//! temporaries. Each kernel here reads its inputs once and writes its output once:
//!
//! - [`bmul`]: `y[k] = s * x[k]`; backward `dx[k] = s * g[k]`, `ds = sum_k g[k] x[k]`;
//! - [`dot_k`]: `y = sum_k w_k a[k] b[k]` (`w` `[K, N]`, one weight per direction and point);
//!   backward `da[k] = w_k b[k] g`, `db[k] = w_k a[k] g` (`a` and `b` may be one tensor: the
//!   two contributions add up to `2 w_k a[k] g`).
//!
//! - [`add_rows`]: `y[k, n] = x[k, n] + r[k]` (a coordinate direction's tangent entering a
//!   layer is the same row of the weight matrix at every point); backward `dx = g`,
//!   `dr[k] = sum_n g[k, n]`, which candle would compute as a middle-axis reduction in a scalar
//!   loop after materialising the broadcast.
//!
//! - [`tanh`]: in f32, a vectorisable rational approximation (Eigen's 13/6-degree interpolant,
//!   within 3.5 eps |tanh x| of the correctly rounded value) instead of one libm `tanhf` call
//!   per element (18% of a Monte Carlo step); backward `g (1 - y^2)`. f64 keeps candle's `tanh`.
//!
//! - [`data_matmul`]: `z W` for `z` data (points or point-dependent directions, never a
//!   function of a parameter): candle's matmul backward always computes the gradient of both
//!   operands, here `g W^T` for the points plus a zero-filled buffer to add it into, as much
//!   work as the forward product; this op's backward returns only `z^T g`.
//!
//! On other devices the same functions compose candle ops (identical numbers up to
//! floating-point summation order; `tests` below run both branches on the CPU and compare
//! values and gradients).

use candle_core::{
    CpuStorage, CustomOp1, CustomOp2, CustomOp3, Layout, Result, Shape, Tensor, WithDType,
};

fn err(msg: impl Into<String>) -> candle_core::Error {
    candle_core::Error::Msg(msg.into())
}

/// A contiguous view of a storage.
fn view<'a, T: WithDType>(s: &'a CpuStorage, l: &Layout) -> Result<&'a [T]> {
    let data = T::cpu_storage_as_slice(s)?;
    let (a, b) = l
        .contiguous_offsets()
        .ok_or_else(|| err("fused kernels take contiguous tensors"))?;
    Ok(&data[a..b])
}

trait Num:
    WithDType + std::ops::Mul<Output = Self> + std::ops::Add<Output = Self> + std::ops::AddAssign
{
}
impl Num for f32 {}
impl Num for f64 {}

/// `y[k, i] = s[i] * x[k, i]` for `s` of `m` and `x` of `k * m` values.
fn bmul_kernel<T: Num>(s: &[T], x: &[T]) -> Vec<T> {
    let m = s.len();
    let mut y = Vec::with_capacity(x.len());
    for xk in x.chunks_exact(m) {
        y.extend(xk.iter().zip(s).map(|(a, b)| *a * *b));
    }
    y
}

/// `y[i] = sum_k w[k, i / width] * a[k, i] * b[k, i]`.
fn dot_k_kernel<T: Num>(a: &[T], b: &[T], w: &[T], k: usize, width: usize) -> Vec<T> {
    let m = a.len() / k.max(1);
    let mut y = vec![T::zero(); m];
    for d in 0..k {
        let (ak, bk) = (&a[d * m..(d + 1) * m], &b[d * m..(d + 1) * m]);
        let wk = &w[d * (m / width)..(d + 1) * (m / width)];
        for ((yr, (ar, br)), wv) in y
            .chunks_exact_mut(width)
            .zip(ak.chunks_exact(width).zip(bk.chunks_exact(width)))
            .zip(wk)
        {
            for ((yi, ai), bi) in yr.iter_mut().zip(ar).zip(br) {
                *yi += *wv * *ai * *bi;
            }
        }
    }
    y
}

/// `y[k, i] = w[k, i / width] * x[k, i] * g[i]` (the backward of [`dot_k_kernel`]).
fn scale_k_kernel<T: Num>(x: &[T], w: &[T], g: &[T], width: usize) -> Vec<T> {
    let m = g.len();
    let mut y = Vec::with_capacity(x.len());
    for (d, xk) in x.chunks_exact(m).enumerate() {
        let wk = &w[d * (m / width)..(d + 1) * (m / width)];
        for ((xr, gr), wv) in xk.chunks_exact(width).zip(g.chunks_exact(width)).zip(wk) {
            y.extend(xr.iter().zip(gr).map(|(xi, gi)| *wv * *xi * *gi));
        }
    }
    y
}

/// `y[k, n, :] = x[k, n, :] + r[k, :]` for `x` `[K, N, W]` and `r` `[K, W]`.
fn add_rows_kernel<T: Num>(x: &[T], r: &[T], width: usize) -> Vec<T> {
    let k = r.len() / width.max(1);
    let per = x.len() / k.max(1);
    let mut y = Vec::with_capacity(x.len());
    for (xk, rk) in x.chunks_exact(per.max(1)).zip(r.chunks_exact(width.max(1))) {
        for row in xk.chunks_exact(width) {
            y.extend(row.iter().zip(rk).map(|(a, b)| *a + *b));
        }
    }
    y
}

/// `y[k, :] = sum_n x[k, n, :]` for `x` `[K, N, W]`.
fn sum_rows_kernel<T: Num>(x: &[T], k: usize, width: usize) -> Vec<T> {
    let per = x.len() / k.max(1);
    let mut y = vec![T::zero(); k * width];
    for (xk, yk) in x
        .chunks_exact(per.max(1))
        .zip(y.chunks_exact_mut(width.max(1)))
    {
        for row in xk.chunks_exact(width) {
            for (a, b) in yk.iter_mut().zip(row) {
                *a += *b;
            }
        }
    }
    y
}

/// Runs a kernel on f32 or f64 storages.
macro_rules! dispatch {
    ($first:expr, |$t:ident| $body:expr) => {
        match $first {
            CpuStorage::F32(_) => {
                type $t = f32;
                $body
            }
            CpuStorage::F64(_) => {
                type $t = f64;
                $body
            }
            _ => Err(err("fused kernels run in f32 or f64")),
        }
    };
}

struct BMul;

impl CustomOp2 for BMul {
    fn name(&self) -> &'static str {
        "pdec-bmul"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        dispatch!(s1, |T| {
            let y = bmul_kernel::<T>(view(s1, l1)?, view(s2, l2)?);
            Ok((T::to_cpu_storage_owned(y), l2.shape().clone()))
        })
    }

    fn bwd(
        &self,
        s: &Tensor,
        x: &Tensor,
        _res: &Tensor,
        g: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let g = g.contiguous()?;
        let (k, n, _) = x.dims3()?;
        let ones = Tensor::ones((k, n), x.dtype(), x.device())?;
        let ds = g.apply_op3_no_bwd(x, &ones, &DotK)?;
        let dx = s.apply_op2_no_bwd(&g, &BMul)?;
        Ok((Some(ds), Some(dx)))
    }
}

struct DotK;

impl CustomOp3 for DotK {
    fn name(&self) -> &'static str {
        "pdec-dot-k"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let dims = l1.shape().dims();
        let (k, width, out) = (dims[0], dims[dims.len() - 1], Shape::from(&dims[1..]));
        dispatch!(s1, |T| {
            let y = dot_k_kernel::<T>(view(s1, l1)?, view(s2, l2)?, view(s3, l3)?, k, width);
            Ok((T::to_cpu_storage_owned(y), out.clone()))
        })
    }

    fn bwd(
        &self,
        a: &Tensor,
        b: &Tensor,
        w: &Tensor,
        _res: &Tensor,
        g: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let g = g.contiguous()?;
        let da = b.apply_op3_no_bwd(w, &g, &ScaleK)?;
        let db = a.apply_op3_no_bwd(w, &g, &ScaleK)?;
        // The weights come from the points and constants, never from parameters.
        Ok((Some(da), Some(db), None))
    }
}

struct ScaleK;

impl CustomOp3 for ScaleK {
    fn name(&self) -> &'static str {
        "pdec-scale-k"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let dims = l1.shape().dims();
        let width = dims[dims.len() - 1];
        dispatch!(s1, |T| {
            let y = scale_k_kernel::<T>(view(s1, l1)?, view(s2, l2)?, view(s3, l3)?, width);
            Ok((T::to_cpu_storage_owned(y), l1.shape().clone()))
        })
    }
}

struct AddRows;

impl CustomOp2 for AddRows {
    fn name(&self) -> &'static str {
        "pdec-add-rows"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let dims = l1.shape().dims();
        let width = dims[dims.len() - 1];
        dispatch!(s1, |T| {
            let y = add_rows_kernel::<T>(view(s1, l1)?, view(s2, l2)?, width);
            Ok((T::to_cpu_storage_owned(y), l1.shape().clone()))
        })
    }

    fn bwd(
        &self,
        _x: &Tensor,
        _r: &Tensor,
        _res: &Tensor,
        g: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let g = g.contiguous()?;
        let dr = g.apply_op1_no_bwd(&SumRows)?;
        Ok((Some(g), Some(dr)))
    }
}

struct SumRows;

impl CustomOp1 for SumRows {
    fn name(&self) -> &'static str {
        "pdec-sum-rows"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let dims = l.shape().dims();
        let (k, width) = (dims[0], dims[dims.len() - 1]);
        dispatch!(s, |T| {
            let y = sum_rows_kernel::<T>(view(s, l)?, k, width);
            Ok((T::to_cpu_storage_owned(y), Shape::from((k, width))))
        })
    }
}

/// Eigen's `generic_fast_tanh_float` (MathFunctionsImpl.h): odd 13th-degree numerator over
/// an even 6th-degree denominator on `[-c, c]`, where beyond `c` tanh is 1 in f32.
fn tanh_f32(x: f32) -> f32 {
    const CLAMP: f32 = 7.905_311;
    // Eigen's published coefficients, digit for digit.
    #[allow(clippy::excessive_precision)]
    const A: [f32; 7] = [
        4.89352455891786e-03,
        6.37261928875436e-04,
        1.48572235717979e-05,
        5.12229709037114e-08,
        -8.60467152213735e-11,
        2.00018790482477e-13,
        -2.76076847742355e-16,
    ];
    #[allow(clippy::excessive_precision)]
    const B: [f32; 4] = [
        4.89352518554385e-03,
        2.26843463243900e-03,
        1.18534705686654e-04,
        1.19825839466702e-06,
    ];
    let x = x.clamp(-CLAMP, CLAMP);
    let x2 = x * x;
    let mut p = A[6];
    for a in A[..6].iter().rev() {
        p = p * x2 + a;
    }
    let mut q = B[3];
    for b in B[..3].iter().rev() {
        q = q * x2 + b;
    }
    // Below 4e-4 the interpolant loses relative accuracy and tanh(x) = x in f32.
    if x.abs() < 4e-4 { x } else { x * p / q }
}

struct Tanh;

impl CustomOp1 for Tanh {
    fn name(&self) -> &'static str {
        "pdec-tanh"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let y: Vec<f32> = view::<f32>(s, l)?.iter().map(|x| tanh_f32(*x)).collect();
        Ok((CpuStorage::F32(y), l.shape().clone()))
    }

    fn bwd(&self, _x: &Tensor, y: &Tensor, g: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some((g * y.sqr()?.affine(-1.0, 1.0)?)?))
    }
}

/// `tanh(x)`: the fast f32 kernel on the CPU, candle's `tanh` otherwise.
pub fn tanh(x: &Tensor) -> Result<Tensor> {
    tanh_with(
        x,
        x.device().is_cpu() && x.dtype() == candle_core::DType::F32,
    )
}

fn tanh_with(x: &Tensor, fuse: bool) -> Result<Tensor> {
    if !fuse {
        return x.tanh();
    }
    x.contiguous()?.apply_op1(Tanh)
}

/// Whether the fused kernels apply: CPU tensors in f32 or f64 (other devices compose candle ops).
fn fused(t: &Tensor) -> bool {
    t.device().is_cpu() && matches!(t.dtype(), candle_core::DType::F32 | candle_core::DType::F64)
}

struct DataMatmul;

impl CustomOp2 for DataMatmul {
    fn name(&self) -> &'static str {
        "pdec-data-matmul"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        use candle_core::backend::BackendStorage;
        let (m, k) = l1.shape().dims2()?;
        let n = l2.shape().dims2()?.1;
        Ok((s1.matmul(s2, (1, m, n, k), l1, l2)?, Shape::from((m, n))))
    }

    fn bwd(
        &self,
        z: &Tensor,
        _w: &Tensor,
        _res: &Tensor,
        g: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        Ok((None, Some(z.t()?.matmul(g)?)))
    }
}

/// `z w` for 2-D `z` `[M, K]` and `w` `[K, N]`, where no gradient flows to `z` unless `z`
/// depends on a variable (then, and off the CPU, it is candle's `matmul`).
pub fn data_matmul(z: &Tensor, w: &Tensor) -> Result<Tensor> {
    data_matmul_with(
        z,
        w,
        !z.track_op() && fused(z) && z.rank() == 2 && w.rank() == 2,
    )
}

fn data_matmul_with(z: &Tensor, w: &Tensor, fuse: bool) -> Result<Tensor> {
    if !fuse {
        return z.matmul(w);
    }
    z.apply_op2(w, DataMatmul)
}

/// `x + r` for `x` `[K, N, W]` and rows `r` `[K, W]` (one row per leading index, the same at
/// every point).
pub fn add_rows(x: &Tensor, r: &Tensor) -> Result<Tensor> {
    add_rows_with(x, r, fused(x) && x.rank() == 3 && r.rank() == 2)
}

fn add_rows_with(x: &Tensor, r: &Tensor, fuse: bool) -> Result<Tensor> {
    if !fuse {
        return x.broadcast_add(&r.unsqueeze(1)?);
    }
    x.contiguous()?.apply_op2(&r.contiguous()?, AddRows)
}

/// `x * s` for `s` `[N, W]` and `x` `[K, N, W]`.
pub fn bmul(s: &Tensor, x: &Tensor) -> Result<Tensor> {
    bmul_with(s, x, fused(x) && x.rank() == 3)
}

fn bmul_with(s: &Tensor, x: &Tensor, fuse: bool) -> Result<Tensor> {
    if !fuse {
        return x.broadcast_mul(s);
    }
    s.contiguous()?.apply_op2(&x.contiguous()?, BMul)
}

/// `sum_k w_k a[k] b[k]` over the leading axis of `[K, N, W]` tensors; `w` `[K, N, 1]`, or
/// `None` for ones.
pub fn dot_k(a: &Tensor, b: &Tensor, w: Option<&Tensor>) -> Result<Tensor> {
    dot_k_with(a, b, w, fused(a))
}

fn dot_k_with(a: &Tensor, b: &Tensor, w: Option<&Tensor>, fuse: bool) -> Result<Tensor> {
    let (k, n, width) = a.dims3()?;
    if !fuse {
        let p = (a * b)?;
        let p = match w {
            Some(w) => p.broadcast_mul(w)?,
            None => p,
        };
        // A GEMM `ones(1, K) @ p`: candle sums a leading axis in a scalar loop.
        let ones = Tensor::ones((1, k), a.dtype(), a.device())?;
        return ones
            .matmul(&p.reshape((k, n * width))?)?
            .reshape((n, width));
    }
    let w = match w {
        Some(w) => w.reshape((k, n))?.contiguous()?,
        None => Tensor::ones((k, n), a.dtype(), a.device())?,
    };
    a.contiguous()?.apply_op3(&b.contiguous()?, &w, DotK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device, Var};

    fn var(data: Vec<f64>, shape: &[usize]) -> Var {
        Var::from_tensor(&Tensor::from_vec(data, shape, &Device::Cpu).expect("t")).expect("v")
    }

    fn values(t: &Tensor) -> Vec<f64> {
        t.flatten_all()
            .and_then(|t| t.to_dtype(DType::F64))
            .and_then(|t| t.to_vec1::<f64>())
            .expect("v")
    }

    fn close(a: &[f64], b: &[f64], tol: f64, what: &str) {
        assert_eq!(a.len(), b.len(), "{what}: lengths");
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(
                (x - y).abs() <= tol * y.abs().max(1.0),
                "{what} {i}: {x} vs {y}"
            );
        }
    }

    /// The f32 kernel is within 5 eps |tanh x| of the correctly rounded tanh on [-12, 12] (sampled
    /// densely, small arguments included), odd, and saturates to exactly +-1; its gradient
    /// is candle's.
    #[test]
    fn fast_tanh_is_accurate_and_has_the_right_gradient() {
        let mut worst = 0.0f64;
        let mut xs: Vec<f32> = (-240_000..=240_000).map(|i| i as f32 * 5e-5).collect();
        xs.extend([1e-30, 1e-8, 3.9e-4, 4.1e-4, 20.0, -20.0, f32::MAX, f32::MIN]);
        for x in xs {
            let want = (x as f64).tanh() as f32;
            let got = tanh_f32(x);
            assert_eq!(tanh_f32(-x), -got, "odd at {x}");
            let ulp = (want.abs().max(f32::MIN_POSITIVE) * f32::EPSILON) as f64;
            let err = (got as f64 - want as f64).abs() / ulp;
            worst = worst.max(err);
            assert!(err <= 5.0, "tanh({x}) = {got}, want {want} ({err:.1} eps)");
        }
        assert_eq!(tanh_f32(9.0), 1.0);
        eprintln!("fast tanh: worst error {worst:.2} eps |tanh x|");
        let x = Var::from_tensor(
            &Tensor::from_vec(data(40, 7.0), 40, &Device::Cpu)
                .and_then(|t| t.affine(3.0, 0.0))
                .and_then(|t| t.to_dtype(DType::F32))
                .expect("x"),
        )
        .expect("var");
        let grad = |fuse: bool| {
            let y = tanh_with(x.as_tensor(), fuse).expect("tanh");
            let loss = (y * x.as_tensor()).and_then(|t| t.sum_all()).expect("loss");
            values(loss.backward().expect("bwd").get(x.as_tensor()).expect("g"))
        };
        close(&grad(true), &grad(false), 1e-6, "tanh gradient");
    }

    /// `data_matmul` gives candle's product and weight gradient (the weight entering as a
    /// transposed view, as in the networks), in f64 and f32, and falls back to `matmul` (with
    /// the gradient of `z`) when `z` depends on a variable.
    #[test]
    fn data_matmul_matches_matmul() {
        let (m, k, n) = (7, 5, 3);
        for dtype in [DType::F64, DType::F32] {
            let tol = if dtype == DType::F64 { 1e-12 } else { 1e-5 };
            let w = var(data(n * k, 1.0), &[n, k]);
            let z = Tensor::from_vec(data(m * k, 2.0), (m, k), &Device::Cpu)
                .and_then(|t| t.to_dtype(dtype))
                .expect("z");
            let probe = Tensor::from_vec(data(m * n, 3.0), (m, n), &Device::Cpu)
                .and_then(|t| t.to_dtype(dtype))
                .expect("p");
            let run = |fuse: bool| {
                let wv = w.as_tensor().to_dtype(dtype).expect("cast");
                let y = data_matmul_with(&z, &wv.t().expect("t"), fuse).expect("matmul");
                let loss = (&y * &probe).and_then(|t| t.sum_all()).expect("loss");
                let g = loss.backward().expect("backward");
                (values(&y), values(g.get(w.as_tensor()).expect("grad")))
            };
            let (f, c) = (run(true), run(false));
            close(&f.0, &c.0, tol, "data_matmul values");
            close(&f.1, &c.1, tol, "data_matmul weight gradient");
        }
        let zv = var(data(m * k, 4.0), &[m, k]);
        let w = Tensor::from_vec(data(k * n, 5.0), (k, n), &Device::Cpu).expect("w");
        let y = data_matmul(zv.as_tensor(), &w).expect("tracked z");
        let g = y.sum_all().and_then(|l| l.backward()).expect("backward");
        assert!(
            g.get(zv.as_tensor()).is_some(),
            "a tracked z keeps its gradient"
        );
    }

    fn data(n: usize, seed: f64) -> Vec<f64> {
        (0..n).map(|i| ((i as f64 + seed) * 0.7311).sin()).collect()
    }

    /// Fused and composed give the same values and the same gradients (through a loss that
    /// weights every output element differently), in f64 and f32, weighted and not, with `a`
    /// and `b` the same tensor, on a narrowed (offset) input.
    #[test]
    fn fused_kernels_match_composed_ops() {
        let (k, n, w) = (3, 4, 5);
        for dtype in [DType::F64, DType::F32] {
            let tol = if dtype == DType::F64 { 1e-12 } else { 1e-5 };
            let s = var(data(n * w, 1.0), &[n, w]);
            let x = var(data((k + 1) * n * w, 2.0), &[k + 1, n, w]);
            let b = var(data(k * n * w, 3.0), &[k, n, w]);
            let r = var(data(k * w, 6.0), &[k, w]);
            let wt = Tensor::from_vec(data(k * n, 4.0), (k, n, 1), &Device::Cpu).expect("w");
            let cast = |t: &Tensor| t.to_dtype(dtype).expect("cast");
            let probe = |shape: &[usize]| {
                cast(
                    &Tensor::from_vec(data(shape.iter().product(), 5.0), shape, &Device::Cpu)
                        .expect("p"),
                )
            };
            let run = |fused: bool| -> Vec<Vec<f64>> {
                let (sv, xv, bv) = (
                    cast(s.as_tensor()),
                    cast(x.as_tensor()),
                    cast(b.as_tensor()),
                );
                let xn = xv.narrow(0, 1, k).expect("narrow"); // an offset view
                let wv = cast(&wt);
                // The composed branch is what other devices (CUDA) run.
                let y1 = bmul_with(&sv, &xn, fused).expect("bmul");
                let y2 = dot_k_with(&xn, &bv, Some(&wv), fused).expect("dot");
                let y3 = dot_k_with(&xn, &xn, None, fused).expect("sq");
                let rv = cast(r.as_tensor());
                let y4 = add_rows_with(&xn, &rv, fused).expect("rows");
                let y1_values = values(&y1);
                let loss = ((y1 * probe(&[k, n, w])).expect("m").sum_all().expect("s")
                    + (y4.clone() * probe(&[k, n, w]))
                        .expect("m")
                        .sum_all()
                        .expect("s"))
                .and_then(|l| l + (y2.clone() * probe(&[n, w]))?.sum_all()?)
                .expect("loss0");
                let loss = (loss
                    + (y3.clone() * probe(&[n, w]))
                        .expect("m")
                        .sum_all()
                        .expect("s"))
                .expect("loss");
                let g = loss.backward().expect("backward");
                let mut out = vec![y1_values, values(&y2), values(&y3), values(&y4)];
                for v in [&s, &x, &b, &r] {
                    out.push(values(g.get(v.as_tensor()).expect("grad")));
                }
                out
            };
            let (f, c) = (run(true), run(false));
            for (i, (a, b)) in f.iter().zip(&c).enumerate() {
                close(a, b, tol, &format!("{dtype:?} output {i}"));
            }
        }
    }
}
