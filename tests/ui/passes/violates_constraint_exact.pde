// A European price given as the `exact` solution of an American problem: below the payoff.
use std::finance::put
const K = 1
const r = 0.05
time t in [0, 1]
space s in [0.2, 3]
unknown u(t, s)
pde d(u, t) + 0.045 * s^2 * d(u, s, s) + r * s * d(u, s) - r * u = 0
terminal u = put(s, K)
constraint u >= put(s, K)
boundary s = 0.2: u = K - s
boundary s = 3: u = 0
exact u = exp(-r * (1 - t)) * put(s, K) //~ pdec::passes::violates_constraint pdec::passes::exact_mismatch
