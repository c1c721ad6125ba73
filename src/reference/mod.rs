//! Independent reference solutions used to check the DGM solver: closed forms, an integral
//! equation, trees, quadrature and finite differences, all in `f64` with the standard
//! library only.
//!
//! | function | problem | method | accuracy (measured) |
//! | --- | --- | --- | --- |
//! | [`norm_cdf`] | standard normal distribution | Cody's rational approximations (TOMS 715) | relative error < 1e-15 on `[-37, 8]` |
//! | [`black_scholes()`] | European call/put, dividend yield | closed form | a few ulps |
//! | [`american()`] | American call/put on one asset | Andersen-Lake-Offengenden integral equation for the exercise boundary | ~1e-10 (self-convergence); within 6e-7 of [`american_fd`] on 486 cases and 4e-7 of a 20000-step tree |
//! | [`american_fd`] | same | Crank-Nicolson in `ln S`, Rannacher start, penalty method, Richardson | below 1e-6 for `sigma in [0.1, 0.4]`, `t <= 2` |
//! | [`american_binomial`] | same | Cox-Ross-Rubinstein tree | first order, ~1e-5 at 1000 steps for `s0 = k = 1` |
//! | [`geometric_basket_american_call`] | DGM paper's `d`-asset geometric-basket American call | exact reduction to one asset + [`american()`] | as [`american()`] |
//! | [`burgers_cole_hopf`] | `u_t + u u_x = nu u_xx`, `u(0,x) = -sin(pi x)` on `[-1, 1]` | Cole-Hopf + 200-node Gauss-Hermite, log-sum-exp scaling | ~1e-13 for `nu >= 0.01/pi`, `t <= 1`; slope 152.00516 of Basdevant et al. reproduced |
//! | [`hjb_monte_carlo`] | HJB of Han, Jentzen & E, `u_t + lap u - lambda |grad u|^2 = 0` | Cole-Hopf + Monte Carlo, 95% interval by the delta method | interval as printed; agrees with Gauss-Hermite in 1-D and with the published 4.5901 at `d = 100` |
//! | [`burgers_fd_at`] | DGM paper's parametric Burgers on `[0, 1]` | Crank-Nicolson + Newton, Richardson, cubic interpolation | ~2e-7 over the paper's parameter box |
//!
//! Each submodule documents its method and how the accuracy was measured; the tests
//! cross-check independent methods against each other (integral equation vs finite
//! differences vs tree, Cole-Hopf vs finite differences vs brute-force quadrature).
//! Tests marked `#[ignore]` are the slow sweeps behind the accuracy claims
//! (`cargo test --release --lib reference -- --ignored --nocapture`).

pub mod american;
pub mod black_scholes;
pub mod burgers;
pub mod hjb;
pub mod normal;
pub(crate) mod numerics;

pub use american::{
    american, american_binomial, american_fd, american_fd_grid, geometric_basket_american_call,
    geometric_basket_european_call, geometric_basket_option, geometric_basket_params,
};
pub use black_scholes::{OptionKind, black_scholes};
pub use burgers::{
    burgers_cole_hopf, burgers_cole_hopf_dx, burgers_fd, burgers_fd_at, burgers_fd_profile,
    burgers_fd_resolution,
};
pub use hjb::{Estimate, hjb_monte_carlo, hjb_terminal};
pub use normal::{erfc, norm_cdf, norm_pdf};
