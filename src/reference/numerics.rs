//! Small numerical building blocks shared by the reference solvers: a tridiagonal solver,
//! tanh-sinh and Gauss-Hermite quadrature, Chebyshev (barycentric) and cubic interpolation.

use std::f64::consts::{FRAC_PI_2, PI};

/// Solves the tridiagonal system `lower[i] x[i-1] + diag[i] x[i] + upper[i] x[i+1] = rhs[i]`
/// (Thomas algorithm, no pivoting: meant for diagonally dominant matrices). `lower[0]` and
/// `upper[n-1]` are ignored. The solution overwrites `rhs`; `scratch` is resized as needed.
pub(crate) fn solve_tridiagonal(
    lower: &[f64],
    diag: &[f64],
    upper: &[f64],
    rhs: &mut [f64],
    scratch: &mut Vec<f64>,
) {
    let n = rhs.len();
    if n == 0 {
        return;
    }
    scratch.clear();
    scratch.resize(n, 0.0);
    let mut beta = diag[0];
    rhs[0] /= beta;
    for i in 1..n {
        scratch[i] = upper[i - 1] / beta;
        beta = diag[i] - lower[i] * scratch[i];
        rhs[i] = (rhs[i] - lower[i] * rhs[i - 1]) / beta;
    }
    for i in (0..n - 1).rev() {
        rhs[i] -= scratch[i + 1] * rhs[i + 1];
    }
}

/// One node of a tanh-sinh rule on `[-1, 1]`: the abscissa `y`, with `1 + y` and `1 - y`
/// computed without cancellation (the rule clusters nodes at both ends), and the weight.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TsNode {
    pub y: f64,
    pub one_plus: f64,
    pub one_minus: f64,
    pub w: f64,
}

/// Tanh-sinh (double exponential) rule on `[-1, 1]` with step `h`: nodes
/// `y = tanh(pi/2 sinh(kh))`, truncated where the weights drop below 1e-18. The rule
/// converges like `exp(-c/h)` also for integrands with algebraic or logarithmic endpoint
/// singularities, which is why the American boundary integrals use it.
pub(crate) fn tanh_sinh(h: f64) -> Vec<TsNode> {
    let mut nodes = Vec::new();
    let mut k: i64 = 0;
    loop {
        let t = k as f64 * h;
        let s = FRAC_PI_2 * t.sinh();
        let e = (-2.0 * s).exp();
        // tanh(s) = (1 - e) / (1 + e); 1 - tanh(s) = 2e / (1 + e); 1 + tanh(s) = 2 / (1 + e).
        let y = (1.0 - e) / (1.0 + e);
        let one_minus = 2.0 * e / (1.0 + e);
        let one_plus = 2.0 / (1.0 + e);
        let cosh_s = 0.5 * (s.exp() + (-s).exp());
        let w = h * FRAC_PI_2 * t.cosh() / (cosh_s * cosh_s);
        if w < 1e-18 || one_minus == 0.0 {
            break;
        }
        nodes.push(TsNode {
            y,
            one_plus,
            one_minus,
            w,
        });
        if k > 0 {
            nodes.push(TsNode {
                y: -y,
                one_plus: one_minus,
                one_minus: one_plus,
                w,
            });
        }
        k += 1;
    }
    nodes
}

/// Gauss-Hermite rule with `n` nodes for `int f(z) exp(-z^2) dz`: nodes ascending, weights.
///
/// Golub-Welsch in its simplest robust form: the nodes are the eigenvalues of the Jacobi
/// matrix (zero diagonal, off-diagonal `sqrt(j/2)`), found by Sturm-sequence bisection to
/// full precision and polished by a Newton step on the orthonormal Hermite recurrence; the
/// weights are `1 / sum_j p_j(z)^2` with the orthonormal polynomials `p_j`. Exact for
/// polynomials of degree `< 2n`; weights down to about 1e-300 are representable, which
/// covers `n <= 300`.
pub(crate) fn gauss_hermite(n: usize) -> (Vec<f64>, Vec<f64>) {
    assert!(
        (1..=300).contains(&n),
        "gauss_hermite: n = {n} outside 1..=300"
    );
    let off2: Vec<f64> = (1..n).map(|j| j as f64 / 2.0).collect(); // squared off-diagonals
    // Number of eigenvalues below `lambda` (Sturm sequence of the LDL^T pivots).
    let count_below = |lambda: f64| -> usize {
        let mut count = 0;
        let mut d = -lambda;
        if d < 0.0 {
            count += 1;
        }
        for &b2 in &off2 {
            let prev = if d == 0.0 {
                f64::EPSILON * (1.0 + lambda.abs())
            } else {
                d
            };
            d = -lambda - b2 / prev;
            if d < 0.0 {
                count += 1;
            }
        }
        count
    };
    let pim4 = PI.powf(-0.25);
    // Orthonormal p_0..p_{n-1} at z: returns (p_n-ish derivative data): (sum p_j^2, p_n, p_{n-1}).
    let recurrence = |z: f64| -> (f64, f64, f64) {
        let mut p_prev = 0.0;
        let mut p = pim4;
        let mut sum = p * p;
        for j in 1..=n {
            let jf = j as f64;
            let next = z * (2.0 / jf).sqrt() * p - ((jf - 1.0) / jf).sqrt() * p_prev;
            p_prev = p;
            p = next;
            if j < n {
                sum += p * p;
            }
        }
        (sum, p, p_prev)
    };
    let bound = (2.0 * n as f64 + 1.0).sqrt() + 1.0;
    let mut x = vec![0.0; n];
    let mut w = vec![0.0; n];
    for (i, (xi, wi)) in x.iter_mut().zip(w.iter_mut()).enumerate() {
        // The i-th smallest eigenvalue: count_below(lo) <= i < count_below(hi).
        let (mut lo, mut hi) = (-bound, bound);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi {
                break;
            }
            if count_below(mid) > i {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let mut z = 0.5 * (lo + hi);
        // One Newton step: p_n'(z) = sqrt(2n) p_{n-1}(z) for orthonormal Hermite polynomials.
        let (_, pn, pn1) = recurrence(z);
        if pn1 != 0.0 {
            let step = pn / ((2.0 * n as f64).sqrt() * pn1);
            if step.abs() < hi - lo + 1e-12 {
                z -= step;
            }
        }
        let (sum, _, _) = recurrence(z);
        *xi = z;
        *wi = 1.0 / sum;
    }
    // Exact symmetry.
    for i in 0..n / 2 {
        let (a, b) = (x[i], x[n - 1 - i]);
        let m = 0.5 * (b - a);
        x[i] = -m;
        x[n - 1 - i] = m;
        let wm = 0.5 * (w[i] + w[n - 1 - i]);
        w[i] = wm;
        w[n - 1 - i] = wm;
    }
    if n % 2 == 1 {
        x[n / 2] = 0.0;
    }
    (x, w)
}

/// Polynomial interpolant through the Chebyshev-Lobatto points `z_i = -cos(pi i / n)`,
/// `i = 0..=n` (ascending in `[-1, 1]`), evaluated with the barycentric formula.
#[derive(Debug, Clone)]
pub(crate) struct Chebyshev {
    pub z: Vec<f64>,
    pub y: Vec<f64>,
}

impl Chebyshev {
    pub fn new(n: usize) -> Self {
        let z = (0..=n).map(|i| -(PI * i as f64 / n as f64).cos()).collect();
        Chebyshev {
            z,
            y: vec![0.0; n + 1],
        }
    }

    pub fn eval(&self, z: f64) -> f64 {
        let z = z.clamp(-1.0, 1.0);
        let n = self.z.len() - 1;
        let mut num = 0.0;
        let mut den = 0.0;
        for (i, (&zi, &yi)) in self.z.iter().zip(&self.y).enumerate() {
            let d = z - zi;
            if d == 0.0 {
                return yi;
            }
            let mut wi = if i % 2 == 0 { 1.0 } else { -1.0 };
            if i == 0 || i == n {
                wi *= 0.5;
            }
            let t = wi / d;
            num += t * yi;
            den += t;
        }
        num / den
    }
}

/// Four-point (cubic) Lagrange interpolation of `values` given on the uniform grid
/// `x0 + j h` at `x` (clamped stencil at the ends).
pub(crate) fn interp_cubic(x0: f64, h: f64, values: &[f64], x: f64) -> f64 {
    let n = values.len();
    debug_assert!(n >= 4);
    let s = (x - x0) / h;
    let j = (s.floor() as i64 - 1).clamp(0, n as i64 - 4) as usize;
    let t = s - j as f64; // position relative to node j, nodes at 0, 1, 2, 3
    let l0 = -(t - 1.0) * (t - 2.0) * (t - 3.0) / 6.0;
    let l1 = t * (t - 2.0) * (t - 3.0) / 2.0;
    let l2 = -t * (t - 1.0) * (t - 3.0) / 2.0;
    let l3 = t * (t - 1.0) * (t - 2.0) / 6.0;
    l0 * values[j] + l1 * values[j + 1] + l2 * values[j + 2] + l3 * values[j + 3]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tridiagonal_solves() {
        let lower = [0.0, -1.0, -1.0, -1.0];
        let diag = [4.0, 4.0, 4.0, 4.0];
        let upper = [-1.0, -1.0, -1.0, 0.0];
        let x = [1.0, -2.0, 3.0, 0.5];
        let mut rhs: Vec<f64> = (0..4)
            .map(|i| {
                let mut s = diag[i] * x[i];
                if i > 0 {
                    s += lower[i] * x[i - 1];
                }
                if i < 3 {
                    s += upper[i] * x[i + 1];
                }
                s
            })
            .collect();
        let mut scratch = Vec::new();
        solve_tridiagonal(&lower, &diag, &upper, &mut rhs, &mut scratch);
        for i in 0..4 {
            assert!((rhs[i] - x[i]).abs() < 1e-14);
        }
    }

    #[test]
    fn tanh_sinh_integrates_endpoint_singularities() {
        let rule = tanh_sinh(1.0 / 16.0);
        // Bounded integrands with singular derivatives at the ends (what the American
        // boundary integrals look like): int sqrt(1 - y) dy = 4 sqrt(2) / 3,
        // int (1 + y) ln(1 + y) dy = 2 ln 2 - 1, int ln(1 + y) dy = 2 ln 2 - 2.
        let a: f64 = rule.iter().map(|n| n.w * n.one_minus.sqrt()).sum();
        let b: f64 = rule
            .iter()
            .map(|n| n.w * n.one_plus * n.one_plus.ln())
            .sum();
        let c: f64 = rule.iter().map(|n| n.w * n.one_plus.ln()).sum();
        assert!((a - 4.0 * 2f64.sqrt() / 3.0).abs() < 1e-14, "{a}");
        assert!((b - (2.0 * 2f64.ln() - 1.0)).abs() < 1e-14, "{b}");
        assert!((c - (2.0 * 2f64.ln() - 2.0)).abs() < 1e-13, "{c}");
    }

    #[test]
    fn gauss_hermite_moments() {
        for &n in &[1usize, 2, 5, 20, 101, 200] {
            let (x, w) = gauss_hermite(n);
            let sqrt_pi = PI.sqrt();
            let m0: f64 = w.iter().sum();
            assert!((m0 - sqrt_pi).abs() < 1e-13, "n={n} m0={m0}");
            if n >= 2 {
                let m2: f64 = x.iter().zip(&w).map(|(x, w)| w * x * x).sum();
                assert!((m2 - sqrt_pi / 2.0).abs() < 1e-13, "n={n} m2={m2}");
            }
            if n >= 20 {
                // int cos(2z) exp(-z^2) dz = sqrt(pi) exp(-1).
                let c: f64 = x.iter().zip(&w).map(|(x, w)| w * (2.0 * x).cos()).sum();
                assert!((c - sqrt_pi * (-1.0f64).exp()).abs() < 1e-13, "n={n} c={c}");
            }
            assert!(x.windows(2).all(|p| p[0] < p[1]), "n={n} ascending");
        }
    }

    #[test]
    fn chebyshev_and_cubic_reproduce_polynomials() {
        let mut c = Chebyshev::new(6);
        c.y = c.z.iter().map(|z| z.powi(5) - 2.0 * z).collect();
        for &z in &[-0.9, -0.3, 0.11, 0.77, 1.0] {
            assert!((c.eval(z) - (z.powi(5) - 2.0 * z)).abs() < 1e-14);
        }
        let v: Vec<f64> = (0..10).map(|j| (0.1 * j as f64).powi(3)).collect();
        for &x in &[0.0, 0.05, 0.43, 0.89, 0.9] {
            assert!((interp_cubic(0.0, 0.1, &v, x) - x.powi(3)).abs() < 1e-14);
        }
    }
}
