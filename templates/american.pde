// A starter problem: an American put option on one asset, a free-boundary problem. The
// price u(t, s) solves the Black-Scholes equation backwards from the payoff at maturity and
// must never fall below the payoff (the holder may exercise at any time).
// `pdec reference american --kind put --strike 1 --rate 0.05 --sigma 0.3` prints the
// finite-difference price to compare with the report.
problem american

// Functions come from the standard library (`pdec std finance` lists them) ...
use std::finance::{put}

const K     = 1     // strike
const r     = 0.05  // interest rate
const sigma = 0.3   // volatility
const T     = 1     // maturity

time    t in [0, T]
space   s in [0.2, 3]  // the sampling box of the price
unknown u(t, s)

// ... or are written in the file: pure helpers, expanded where they are called.
fn payoff(s) = put(s, K)

pde d(u, t) + 0.5 * sigma^2 * s^2 * d(u, s, s) + r * s * d(u, s) - r * u = 0

// A backward equation has a `terminal` condition (the compiler checks the time direction).
terminal   u = payoff(s)
constraint u >= payoff(s)  // the free boundary: early exercise
boundary   s = 0.2: u = K - s
boundary   s = 3: u = 0

report u(0, s = 1)

solve {
  net   = mlp(layers = 3, width = 32)
  steps = 3000
  batch = 512
  lr    = 1e-2
  clip  = 1
}
