//! The Hamilton-Jacobi-Bellman equation of Han, Jentzen & E (PNAS 2018):
//!
//! ```text
//! du/dt + lap(u) - lambda |grad u|^2 = 0,   u(T, x) = g(x) = ln((1 + |x|^2) / 2)
//! ```
//!
//! The Cole-Hopf transform `w = exp(-lambda u)` makes it the backward heat equation
//! `dw/dt + lap(w) = 0`, so
//!
//! ```text
//! u(t, x) = -(1/lambda) ln E[ exp(-lambda g(x + sqrt(2) W_{T-t})) ]
//! ```
//!
//! estimated here by Monte Carlo with a 95% confidence interval from the delta method
//! (`-ln` of the sample mean; its bias, `O(1/n)`, is far below the interval).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// A Monte Carlo estimate with its 95% confidence half-width.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub half_width_95: f64,
    pub samples: usize,
}

/// The terminal condition `g(x) = ln((1 + |x|^2) / 2)`.
pub fn hjb_terminal(x: &[f64]) -> f64 {
    let r2: f64 = x.iter().map(|v| v * v).sum();
    ((1.0 + r2) / 2.0).ln()
}

/// `u(t, x)` of the HJB problem above with time horizon `maturity`, by `samples` draws of
/// `W_{T-t}` (seeded: the same arguments give the same estimate).
pub fn hjb_monte_carlo(
    lambda: f64,
    maturity: f64,
    t: f64,
    x: &[f64],
    samples: usize,
    seed: u64,
) -> Estimate {
    let scale = (2.0 * (maturity - t).max(0.0)).sqrt();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut point = vec![0.0; x.len()];
    // Welford's running mean and variance of Y = exp(-lambda g).
    let (mut mean, mut m2) = (0.0f64, 0.0f64);
    for k in 0..samples {
        for (p, x0) in point.iter_mut().zip(x) {
            let z: f64 = StandardNormal.sample(&mut rng);
            *p = x0 + scale * z;
        }
        let y = (-lambda * hjb_terminal(&point)).exp();
        let delta = y - mean;
        mean += delta / (k + 1) as f64;
        m2 += delta * (y - mean);
    }
    let var = if samples > 1 {
        m2 / (samples - 1) as f64
    } else {
        f64::NAN
    };
    let se_mean = (var / samples as f64).sqrt();
    Estimate {
        value: -mean.ln() / lambda,
        // d(-ln m / lambda) = dm / (lambda m)
        half_width_95: 1.959964 * se_mean / (lambda * mean),
        samples,
    }
}

#[cfg(test)]
mod tests {
    use super::super::numerics::gauss_hermite;
    use super::*;

    /// In one dimension the expectation is a 1-D Gaussian integral: Gauss-Hermite.
    fn one_d_quadrature(lambda: f64, maturity: f64, x: f64) -> f64 {
        let (nodes, weights) = gauss_hermite(120);
        let s = (2.0 * maturity).sqrt();
        // E[f(x + s Z)] = 1/sqrt(pi) sum w_i f(x + s sqrt(2) y_i)
        let e: f64 = nodes
            .iter()
            .zip(&weights)
            .map(|(y, w)| {
                w * (-lambda * hjb_terminal(&[x + s * std::f64::consts::SQRT_2 * y])).exp()
            })
            .sum::<f64>()
            / std::f64::consts::PI.sqrt();
        -e.ln() / lambda
    }

    #[test]
    fn monte_carlo_agrees_with_quadrature_in_one_dimension() {
        for (lambda, x) in [(1.0, 0.0), (0.5, 0.7), (2.0, -1.3)] {
            let q = one_d_quadrature(lambda, 1.0, x);
            let mc = hjb_monte_carlo(lambda, 1.0, 0.0, &[x], 200_000, 7);
            assert!(
                (mc.value - q).abs() < 1.5 * mc.half_width_95,
                "lambda {lambda} x {x}: MC {} +- {} vs quadrature {q}",
                mc.value,
                mc.half_width_95
            );
            assert!(mc.half_width_95 < 1e-2);
        }
    }

    #[test]
    fn at_maturity_it_is_the_terminal_condition() {
        let x = [0.3, -0.2, 1.0];
        let e = hjb_monte_carlo(1.0, 1.0, 1.0, &x, 10, 0);
        assert!((e.value - hjb_terminal(&x)).abs() < 1e-12);
    }

    #[test]
    fn the_published_value_at_d_100() {
        // Han, Jentzen & E report u(0, 0) = 4.5901 for lambda = 1, d = 100.
        let e = hjb_monte_carlo(1.0, 1.0, 0.0, &[0.0; 100], 20_000, 1);
        assert!((e.value - 4.5901).abs() < e.half_width_95 + 2e-3, "{e:?}");
    }
}
