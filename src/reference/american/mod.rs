//! American options on one asset under geometric Brownian motion: three independent methods.
//!
//! * [`american`]: the integral-equation method of Andersen, Lake and Offengenden (2016,
//!   "High-performance American option pricing"). The early-exercise boundary `B(tau)` of
//!   the put solves the fixed-point equation
//!   `B = K exp(-(r-q) tau) N(tau, B) / D(tau, B)` with
//!   `N = Phi(d-(tau, B/K)) + r int_0^tau exp(r u) Phi(d-(tau-u, B(tau)/B(u))) du` and
//!   `D = Phi(d+(tau, B/K)) + q int_0^tau exp(q u) Phi(d+(tau-u, B(tau)/B(u))) du`.
//!   `B` is represented by a Chebyshev interpolant of `H = ln(B/X)^2` in `sqrt(tau)`
//!   (`X = K min(1, r/q)` is the boundary at expiry), the integrals use tanh-sinh
//!   quadrature after the substitution `tau - u = tau (1+y)^2/4`, and the fixed point is
//!   iterated with Jacobi-Newton steps to `1e-13`: first on the density ("smooth pasting")
//!   form of the equation, which converges in about 20 iterations but oscillates when
//!   `r / sigma^2` is large; then, if needed, on the distribution-function form above
//!   (100-150 iterations, ill-conditioned for `r` close to `q`). The price is the European
//!   price plus the early-exercise premium integral. Calls use put-call symmetry
//!   `C(S, K, r, q) = P(K, S, q, r)` (McDonald-Schroder).
//! * [`american_fd`]: Crank-Nicolson finite differences in `ln S` with Rannacher start-up
//!   (implicit Euler steps), a time grid refined quadratically towards expiry, the
//!   early-exercise constraint by the penalty method (Forsyth-Vetzal), and Richardson
//!   extrapolation over two grids.
//! * [`american_binomial`]: the plain Cox-Ross-Rubinstein tree (first-order, oscillating
//!   convergence), as a simple cross-check.
//!
//! Each method is a file: `integral` (the integral equation, with the fallback to finite
//! differences), `finite_difference`, `binomial`, and `basket` (the geometric-basket option
//! reduced to one asset); `tests` cross-checks the methods against each other. This file
//! holds what they share: the validity check of the inputs.

mod basket;
mod binomial;
mod finite_difference;
mod integral;
#[cfg(test)]
mod tests;

pub use basket::{
    geometric_basket_american_call, geometric_basket_european_call, geometric_basket_option,
    geometric_basket_params,
};
pub use binomial::american_binomial;
pub use finite_difference::{american_fd, american_fd_grid, fd_nodes};
pub use integral::american;

fn valid(s0: f64, k: f64, r: f64, q: f64, sigma: f64, t: f64) -> bool {
    s0 > 0.0
        && k > 0.0
        && sigma > 0.0
        && s0.is_finite()
        && k.is_finite()
        && sigma.is_finite()
        && r.is_finite()
        && q.is_finite()
        && t.is_finite()
}
