// examples/black_scholes.pde with the time in days and rates and volatility per day (issue 40, part 1).
problem call_days
use std::finance::{call, bs_call}

const r     = 0.05 / 365
const q     = 0.0
const sigma = 0.2 / sqrt(365)
const K     = 1
const T     = 365

time    t in [0, T]
space   s in [0.01, 3]
unknown u(t, s)

pde      d(u, t) + 0.5 * sigma^2 * s^2 * d(u, s, s) + (r - q) * s * d(u, s) - r * u = 0
terminal u = call(s, K)
// Far-field conditions of the truncated price domain.
boundary s = 0.01: u = 0
boundary s = 3: u = 3 * exp(-q * (T - t)) - K * exp(-r * (T - t))
exact    u = if t < T then bs_call(s, K, r, q, sigma, T - t) else call(s, K)

report u(0, s = 1)

solve {
  net   = mlp(layers = 3, width = 32)
  steps = 3000
  batch = 512
  lr    = 1e-2
  clip  = 1
}
