// A held-out-style problem as a user writes it: Longstaff and Schwartz's American put
// (strike 40, r = 0.06, sigma = 0.2, one year) in prices, defaults but for the budget.
// References (their table 1, finite differences): 4.478 at 36, 2.314 at 40, 1.110 at 44.
problem american_put40
use std::finance::{put}

const K     = 40
const r     = 0.06
const sigma = 0.2
const T     = 1

time    t in [0, T]
space   s in [0, 160]
unknown u(t, s)

pde        d(u, t) + 0.5 * sigma^2 * s^2 * d(u, s, s) + r * s * d(u, s) - r * u = 0
terminal   u = put(s, K)
constraint u >= put(s, K)
boundary   s = 0: u = K
boundary   s = 160: u = 0

report u(0, s = 36)
report u(0, s = 40)
report u(0, s = 44)

solve {
  steps = 3000
}
