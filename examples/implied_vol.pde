// Implied volatility: the Black-Scholes volatility of a European call identified from five
// observed prices at t = 0 (spots 0.8 .. 1.2, strike 1), made from the closed form at
// sigma = 0.25 by
//   pdec reference exact examples/implied_vol.pde --grid "t = 0, s = 0.8..1.2:5" \
//     --out examples/implied_vol_data.csv
// The compiler smooths the payoff with the equation written in the trained sigma
// (`pdec explain`), so the smoothing fits every value the training passes through.
problem implied_vol
use std::finance::{call, bs_call}

const r          = 0.05
const K          = 1
const T          = 1
const sigma_true = 0.25  // only in `exact`: the data's volatility

time    t in [0, T]
space   s in [0.01, 3]
unknown u(t, s)
unknown const sigma in [0.05, 1] init 0.4 log  // identified: never outside [0.05, 1]

pde      d(u, t) + 0.5 * sigma^2 * s^2 * d(u, s, s) + r * s * d(u, s) - r * u = 0
terminal u = call(s, K)
boundary s = 0.01: u = 0
boundary s = 3: u = 3 - K * exp(-r * (T - t))
exact    u = if t < T then bs_call(s, K, r, 0, sigma_true, T - t) else call(s, K)

observe u from "implied_vol_data.csv"

report u(0, s = 1)

solve {
  net   = mlp(layers = 3, width = 32)
  steps = 3000
  batch = 512
  lr    = 1e-2
  clip  = 1
}
