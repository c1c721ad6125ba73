// The American geometric-basket call of american_basket.pde, written in log-prices
// y[i] = log(x[i]). The same option; the coefficients become constants (drift
// r - c - sigma^2/2, covariance rho sigma^2), the network sees inputs of order one around
// y = 0, and the price at x = (1, ..., 1) is u(0, y = 0). See docs/RESULTS.md.
problem american_basket_log
use std::finance::call

const d     = 100
const r     = 0.0
const c     = 0.02  // dividend yield
const sigma = 0.25
const K     = 1
const rho[i in 1..d, j in 1..d] = if i == j then 1 else 0.75

time    t in [0, 2]
space   y in [-1.5, 1.5]^d  // sampling box of the log-prices (x from 0.22 to 4.5)
unknown u(t, y)
boundary none  // no boundary data: a deliberate statement, not an omission

// The geometric mean of the prices is the exponential of the mean log-price.
fn payoff(y) = call(exp(mean(y)), K)

pde d(u, t) + sum(i in 1..d) (r - c - 0.5 * sigma^2) * d(u, y[i])
    + 0.5 * sum(i in 1..d, j in 1..d) rho[i, j] * sigma^2 * d(u, y[i], y[j])
    - r * u = 0
terminal   u = payoff(y)
constraint u >= payoff(y)  // free boundary: early exercise

report u(0, y = 0)  // y = 0 broadcasts: every price at 1

// Log-prices around 0 with the problem's correlation and roughly its spread over the
// maturity (0.25 * sqrt(2)); a quarter stay uniform in the box.
// The weights averaged over the last fifth of the training (docs/RESULTS.md).
solve {
  net      = dgm(layers = 3, width = 50)
  steps    = 20000
  batch    = 1024
  sampling = normal(center = 0, sd = 0.35, corr = 0.75, uniform = 0.25)
  average  = 0.2
}
