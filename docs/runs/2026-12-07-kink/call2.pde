problem call2
use std::finance::{call, bs_call}
const r     = 0.03
const q     = 0.01
const sigma = 0.4
const K     = 100
const T     = 2
time    t in [0, T]
space   s in [1, 1000]
unknown u(t, s)
pde      d(u, t) + 0.5 * sigma^2 * s^2 * d(u, s, s) + (r - q) * s * d(u, s) - r * u = 0
terminal u = call(s, K)
boundary s = 1: u = 0
boundary s = 1000: u = 1000 * exp(-q * (T - t)) - K * exp(-r * (T - t))
exact    u = if t < T then bs_call(s, K, r, q, sigma, T - t) else call(s, K)
report u(0, s = 100)
solve {
  net   = mlp(layers = 3, width = 32)
  steps = 3000
  batch = 512
  lr    = 1e-2
  clip  = 1
}
