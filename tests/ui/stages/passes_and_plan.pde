// An error of the analysis (an `initial` on a backward equation) does not hide an independent
// error of the plan (a weight for a loss term that does not exist).
const r     = 0.05
const sigma = 0.2
const K     = 1
time    t in [0, 1]
space   s in [0.01, 3]
unknown u(t, s)
pde d(u, t) + 0.5 * sigma^2 * s^2 * d(u, s, s) + r * s * d(u, s) - r * u = 0
initial u = max(s - K, 0) //~ pdec::passes::initial_on_backward
boundary s = 0.01: u = 0
boundary s = 3:    u = 3 - K * exp(-r * (1 - t))
solve {
  weight."boundary s=2" = 5 //~ pdec::plan::unknown_term
}
