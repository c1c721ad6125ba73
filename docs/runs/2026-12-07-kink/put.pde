problem put
use std::finance::{put, bs_put}
const r     = 0.05
const q     = 0.02
const sigma = 0.3
const K     = 1
const T     = 0.5
time    t in [0, T]
space   s in [0.01, 4]
unknown u(t, s)
pde      d(u, t) + 0.5 * sigma^2 * s^2 * d(u, s, s) + (r - q) * s * d(u, s) - r * u = 0
terminal u = put(s, K)
boundary s = 0.01: u = K * exp(-r * (T - t)) - 0.01 * exp(-q * (T - t))
boundary s = 4: u = 0
exact    u = if t < T then bs_put(s, K, r, q, sigma, T - t) else put(s, K)
report u(0, s = 1)
solve {
  net   = mlp(layers = 3, width = 32)
  steps = 3000
  batch = 512
  lr    = 1e-2
  clip  = 1
}
