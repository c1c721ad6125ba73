//! The Cox-Ross-Rubinstein binomial tree: first order and oscillating, but simple enough to
//! trust, so the other methods are cross-checked against it.

use super::valid;
use crate::reference::black_scholes::OptionKind;

/// American option on the Cox-Ross-Rubinstein binomial tree with `steps` steps
/// (`u = exp(sigma sqrt(dt))`, `d = 1/u`, risk-neutral `p = (exp((r-q) dt) - d)/(u - d)`).
///
/// First-order convergence with the usual odd/even oscillation; for `s0 = k = 1`, averaging
/// `n` and `n + 1` steps, the error is below 3e-5 at 1000 steps and below 5e-7 at 20000
/// steps (measured against [`american`](super::american)). Cost `O(steps^2)`: about 0.4 s for 20000 steps in
/// a release build. Returns NaN for invalid inputs or `steps == 0`.
#[allow(clippy::too_many_arguments)]
pub fn american_binomial(
    kind: OptionKind,
    s0: f64,
    k: f64,
    r: f64,
    q: f64,
    sigma: f64,
    t: f64,
    steps: usize,
) -> f64 {
    if !valid(s0, k, r, q, sigma, t) || steps == 0 {
        return f64::NAN;
    }
    if t <= 0.0 {
        return kind.payoff(s0, k);
    }
    let dt = t / steps as f64;
    let u = (sigma * dt.sqrt()).exp();
    let d = 1.0 / u;
    let p = (((r - q) * dt).exp() - d) / (u - d);
    let disc = (-r * dt).exp();
    let (pu, pd) = (disc * p, disc * (1.0 - p));
    let log_u = sigma * dt.sqrt();
    // Node i at step j has price s0 u^(2i - j).
    let price = |i: usize, j: usize| s0 * ((2.0 * i as f64 - j as f64) * log_u).exp();
    let mut v: Vec<f64> = (0..=steps)
        .map(|i| kind.payoff(price(i, steps), k))
        .collect();
    for j in (0..steps).rev() {
        // Prices at step j: s0 u^(-j) u^(2i); update with a running multiplier.
        let mut s = price(0, j);
        let u2 = u * u;
        for i in 0..=j {
            let cont = pu * v[i + 1] + pd * v[i];
            v[i] = cont.max(kind.payoff(s, k));
            s *= u2;
        }
    }
    v[0]
}
