//! European options under Black-Scholes-Merton (closed form).

use super::normal::norm_cdf;

/// Call or put.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum OptionKind {
    /// Right to buy at the strike: payoff `max(s - k, 0)`.
    Call,
    /// Right to sell at the strike: payoff `max(k - s, 0)`.
    Put,
}

impl OptionKind {
    /// The exercise value `max(s - k, 0)` (call) or `max(k - s, 0)` (put).
    pub fn payoff(self, s: f64, k: f64) -> f64 {
        match self {
            OptionKind::Call => (s - k).max(0.0),
            OptionKind::Put => (k - s).max(0.0),
        }
    }
}

/// Black-Scholes-Merton price of a European option.
///
/// `s` spot, `k` strike, `r` interest rate, `q` continuous dividend yield, `sigma` volatility,
/// `tau` time to expiry (all continuously compounded, per unit time). `tau <= 0` gives the
/// payoff; `sigma == 0` gives the discounted payoff of the forward. Returns NaN when `s` or
/// `k` is not positive or `sigma` is negative.
///
/// Accuracy: the normal distribution function is Cody's (relative error < 1e-15), so the
/// price has an absolute error of a few ulps of `max(s, k)` (the usual cancellation in
/// `S N(d1) - K N(d2)` for deep in-the-money options is the only loss).
pub fn black_scholes(
    kind: OptionKind,
    s: f64,
    k: f64,
    r: f64,
    q: f64,
    sigma: f64,
    tau: f64,
) -> f64 {
    let finite = r.is_finite() && q.is_finite() && tau.is_finite();
    if !(s > 0.0 && k > 0.0 && sigma >= 0.0 && finite) {
        return f64::NAN;
    }
    if tau <= 0.0 {
        return kind.payoff(s, k);
    }
    let fs = s * (-q * tau).exp();
    let fk = k * (-r * tau).exp();
    if sigma == 0.0 {
        return kind.payoff(fs, fk);
    }
    let v = sigma * tau.sqrt();
    let d1 = (fs / fk).ln() / v + 0.5 * v;
    let d2 = d1 - v;
    match kind {
        OptionKind::Call => fs * norm_cdf(d1) - fk * norm_cdf(d2),
        OptionKind::Put => fk * norm_cdf(-d2) - fs * norm_cdf(-d1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_values() {
        // Hull, Options Futures and Other Derivatives, example 15.6: S=42, K=40, r=0.1,
        // sigma=0.2, T=0.5: c = 4.76, p = 0.81.
        let c = black_scholes(OptionKind::Call, 42.0, 40.0, 0.1, 0.0, 0.2, 0.5);
        let p = black_scholes(OptionKind::Put, 42.0, 40.0, 0.1, 0.0, 0.2, 0.5);
        assert!((c - 4.7594).abs() < 1e-4, "{c}");
        assert!((p - 0.8086).abs() < 1e-4, "{p}");
    }

    #[test]
    fn parity_symmetry_and_limits() {
        for &(s, k, r, q, sig, t) in &[
            (1.0, 1.0, 0.05, 0.02, 0.25, 2.0),
            (0.7, 1.2, 0.0, 0.03, 0.4, 0.5),
            (100.0, 90.0, -0.01, 0.0, 0.15, 3.0),
        ] {
            let c = black_scholes(OptionKind::Call, s, k, r, q, sig, t);
            let p = black_scholes(OptionKind::Put, s, k, r, q, sig, t);
            let parity = s * (-q * t).exp() - k * (-r * t).exp();
            assert!((c - p - parity).abs() < 1e-14 * s.max(k), "parity");
            // Put-call symmetry: C(s, k, r, q) = P(k, s, q, r).
            let sym = black_scholes(OptionKind::Put, k, s, q, r, sig, t);
            assert!((c - sym).abs() < 1e-14 * s.max(k), "symmetry");
        }
        assert_eq!(
            black_scholes(OptionKind::Call, 1.2, 1.0, 0.1, 0.0, 0.3, 0.0),
            1.2 - 1.0
        );
        assert_eq!(
            black_scholes(OptionKind::Put, 1.2, 1.0, 0.1, 0.0, 0.3, 0.0),
            0.0
        );
        let det = black_scholes(OptionKind::Call, 1.0, 1.0, 0.1, 0.0, 0.0, 1.0);
        assert!((det - (1.0 - (-0.1f64).exp())).abs() < 1e-15);
        assert!(black_scholes(OptionKind::Call, -1.0, 1.0, 0.1, 0.0, 0.2, 1.0).is_nan());
    }
}
