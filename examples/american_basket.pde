// American call on the geometric average of d correlated assets (DGM paper, section 4).
// The geometric average is itself a geometric Brownian motion, so the price at x = (1,...,1)
// is known from a 1-D American option: see docs/RESULTS.md.
problem american_basket
use std::finance::{geomean, call}

const d     = 100
const r     = 0.0
const c     = 0.02  // dividend yield
const sigma = 0.25
const K     = 1
const rho[i in 1..d, j in 1..d] = if i == j then 1 else 0.75

time    t in [0, 2]
space   x in [0, 4]^d  // sampling box for the unbounded price space (wide: see the law below)
unknown u(t, x)
boundary none  // no boundary data: a deliberate statement, not an omission

fn payoff(x) = call(geomean(x), K)

pde d(u, t) + sum(i in 1..d) (r - c) * x[i] * d(u, x[i])
    + 0.5 * sum(i in 1..d, j in 1..d) rho[i, j] * sigma * x[i] * sigma * x[j] * d(u, x[i], x[j])
    - r * u = 0
terminal   u = payoff(x)
constraint u >= payoff(x)  // free boundary: early exercise

report u(0, x = 1)  // x = 1 broadcasts to every component

// Points where the answer is wanted: log-prices around x = 1 with the problem's correlation
// and roughly its spread over the maturity (0.25 * sqrt(2)); a quarter stay uniform in the box.
// Draws outside the box are redrawn, so the box must hold the law (pdec warns otherwise: in
// [0, 2]^100 a fifth of the draws have some price above 2, and the redrawn law keeps no point
// whose geometric mean is above about 1.3). The wide box also stretches the network's rescaled
// inputs: at d = 100 this form trains worse than the same option in log-prices,
// examples/american_basket_log.pde (docs/RESULTS.md).
solve {
  net      = dgm(layers = 3, width = 50)
  steps    = 20000
  batch    = 1024
  sampling = lognormal(center = 1, sd = 0.35, corr = 0.75, uniform = 0.25)
}
