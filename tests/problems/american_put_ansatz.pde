// The American put of american_put.pde with its two boundary values imposed exactly by a
// smooth ansatz; the free-boundary constraint then bounds the ansatz, not the network. (The
// payoff cannot be imposed: its kink's second derivative is a delta at the strike that the
// pointwise residual would never see.)
problem american_put_ansatz
use std::finance::{put}

const K     = 1
const r     = 0.05
const sigma = 0.3
const T     = 1

time    t in [0, T]
space   s in [0.2, 3]
unknown u(t, s)

pde        d(u, t) + 0.5 * sigma^2 * s^2 * d(u, s, s) + r * s * d(u, s) - r * u = 0
terminal   u = put(s, K)
constraint u >= put(s, K)
boundary   s = 0.2: u = K - s  // deep in the money: exercised at once
boundary   s = 3: u = 0        // far out of the money
ansatz     u = 0.8 * (3 - s) / 2.8 + (s - 0.2) * (3 - s) * net

report u(0, s = 1)

solve {
  net       = mlp(layers = 3, width = 32)
  steps     = 3000
  batch     = 512
  lr        = 1e-2
  clip      = 1
  log_every = 500
}
