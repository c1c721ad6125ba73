//! Crank-Nicolson finite differences in `ln S` (see the parent module): Rannacher start-up,
//! a time grid refined quadratically towards expiry, the early-exercise constraint by the
//! penalty method (Forsyth-Vetzal), Richardson extrapolation over two grids. The one method
//! that handles every rate and yield, double exercise boundaries included.

use super::valid;
use crate::reference::black_scholes::{OptionKind, black_scholes};
use crate::reference::numerics::{interp_cubic, solve_tridiagonal};

/// American option by Crank-Nicolson finite differences (see the module docs), with
/// Richardson extrapolation of a grid with spacing `sigma sqrt(t) / 80` in `ln S` and 400
/// time steps and one with both halved.
///
/// Same arguments and conventions as [`american`](super::american). Works for all rates and yields,
/// including double exercise boundaries (the penalty method does not assume where the
/// exercise region is). Accuracy measured against [`american`](super::american) on its 486-case sweep:
/// at most 5.8e-7 (largest for `r = q` and `sigma = 0.4`, where convergence is closer to
/// first order); about 0.13 s per price in a release build.
pub fn american_fd(kind: OptionKind, s0: f64, k: f64, r: f64, q: f64, sigma: f64, t: f64) -> f64 {
    if !valid(s0, k, r, q, sigma, t) {
        return f64::NAN;
    }
    if t <= 0.0 {
        return kind.payoff(s0, k);
    }
    let coarse = american_fd_grid(kind, s0, k, r, q, sigma, t, 80, 400);
    let fine = american_fd_grid(kind, s0, k, r, q, sigma, t, 160, 800);
    (4.0 * fine - coarse) / 3.0
}

/// The nodes of the finer grid [`american_fd`] solves on (`per_std` = 160), computed without
/// allocating: callers refuse parameters whose grid would not fit (a tiny `sigma` with a
/// long maturity asks for petabytes).
pub fn fd_nodes(s0: f64, k: f64, r: f64, q: f64, sigma: f64, t: f64) -> f64 {
    grid_nodes(s0, k, r, q, sigma, t, 160)
}

/// The node count of [`american_fd_grid`]'s grid, as a float (no overflow).
fn grid_nodes(s0: f64, k: f64, r: f64, q: f64, sigma: f64, t: f64, per_std: usize) -> f64 {
    let std = sigma * t.sqrt();
    let mu = r - q - 0.5 * sigma * sigma;
    let h = std / per_std as f64;
    let half_width = 8.0 * std + mu.abs() * t;
    ((k.ln() - s0.ln()).abs() + 2.0 * half_width) / h + 3.0
}

/// Most nodes [`american_fd_grid`] allocates, twice the nodes `pdec reference american`
/// accepts (its finest grid); beyond, it returns NaN (800 MB of work arrays by default).
fn max_nodes() -> f64 {
    2.0 * pdec_lang::limits::Limit::ReferenceNodes.get() as f64
}

/// One finite-difference solve (no extrapolation): `per_std` grid intervals per
/// `sigma sqrt(t)` in `ln S`, `steps` time steps. Second-order convergent in both.
#[allow(clippy::too_many_arguments)]
pub fn american_fd_grid(
    kind: OptionKind,
    s0: f64,
    k: f64,
    r: f64,
    q: f64,
    sigma: f64,
    t: f64,
    per_std: usize,
    steps: usize,
) -> f64 {
    if !valid(s0, k, r, q, sigma, t) || per_std < 2 || steps < 2 {
        return f64::NAN;
    }
    if t <= 0.0 {
        return kind.payoff(s0, k);
    }
    // Not a number rather than an allocation that cannot succeed.
    let nodes = grid_nodes(s0, k, r, q, sigma, t, per_std);
    if nodes.is_nan() || nodes > max_nodes() {
        return f64::NAN;
    }
    let std = sigma * t.sqrt();
    let mu = r - q - 0.5 * sigma * sigma;
    let h = std / per_std as f64;
    let half_width = 8.0 * std + mu.abs() * t;
    let (lk, ls) = (k.ln(), s0.ln());
    let lo = lk.min(ls) - half_width;
    let hi = lk.max(ls) + half_width;
    let jk = ((lk - lo) / h).ceil() as usize;
    let n = jk + ((hi - lk) / h).ceil() as usize + 1;
    let x0 = lk - jk as f64 * h;
    let s_at = |j: usize| (x0 + j as f64 * h).exp();
    let payoff: Vec<f64> = (0..n).map(|j| kind.payoff(s_at(j), k)).collect();
    let mut v = payoff.clone();

    // Spatial operator: a V_{j-1} + b V_j + c V_{j+1}.
    let s2 = sigma * sigma;
    let a = 0.5 * s2 / (h * h) - 0.5 * mu / h;
    let c = 0.5 * s2 / (h * h) + 0.5 * mu / h;
    let b = -s2 / (h * h) - r;

    let penalty = 1e12;
    let mut lower = vec![0.0; n];
    let mut diag = vec![0.0; n];
    let mut upper = vec![0.0; n];
    let mut rhs = vec![0.0; n];
    let mut base = vec![0.0; n];
    let mut active = vec![false; n];
    let mut scratch = Vec::new();
    let (s_lo, s_hi) = (s_at(0), s_at(n - 1));
    for m in 0..steps {
        let tau0 = t * (m as f64 / steps as f64).powi(2);
        let tau1 = t * ((m + 1) as f64 / steps as f64).powi(2);
        let dt = tau1 - tau0;
        let theta = if m < 2 { 1.0 } else { 0.5 };
        // Explicit part.
        for j in 1..n - 1 {
            base[j] = v[j] + (1.0 - theta) * dt * (a * v[j - 1] + b * v[j] + c * v[j + 1]);
        }
        let edge = |s: f64| {
            kind.payoff(s, k)
                .max(black_scholes(kind, s, k, r, q, sigma, tau1))
        };
        base[0] = edge(s_lo);
        base[n - 1] = edge(s_hi);
        // Penalty iteration for V >= payoff (Forsyth-Vetzal): rows of nodes below the payoff
        // get `penalty (V - payoff)` added; repeat until the set of such nodes is stable.
        let (lo_coef, up_coef, diag_coef) =
            (-theta * dt * a, -theta * dt * c, 1.0 - theta * dt * b);
        lower.fill(lo_coef);
        upper.fill(up_coef);
        lower[n - 1] = 0.0;
        upper[0] = 0.0;
        for (active, (v, g)) in active.iter_mut().zip(v.iter().zip(&payoff)) {
            *active = v < g;
        }
        for _ in 0..100 {
            for j in 1..n - 1 {
                if active[j] {
                    diag[j] = diag_coef + penalty;
                    rhs[j] = base[j] + penalty * payoff[j];
                } else {
                    diag[j] = diag_coef;
                    rhs[j] = base[j];
                }
            }
            (diag[0], rhs[0], diag[n - 1], rhs[n - 1]) = (1.0, base[0], 1.0, base[n - 1]);
            solve_tridiagonal(&lower, &diag, &upper, &mut rhs, &mut scratch);
            let mut change: f64 = 0.0;
            let mut same = true;
            for j in 1..n - 1 {
                change = change.max((rhs[j] - v[j]).abs());
                // A node held at the payoff comes back within rounding of it (`penalty *
                // payoff` dominates its row), so "active" allows that much slack; otherwise
                // such nodes can flip forever without moving V.
                let now = rhs[j] < payoff[j] + 1e-11 * k;
                same &= now == active[j];
                active[j] = now;
            }
            v.copy_from_slice(&rhs);
            if same || change <= 1e-13 * k {
                break;
            }
        }
    }
    interp_cubic(x0, h, &v, ls)
}
