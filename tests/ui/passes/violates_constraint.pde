// An American put's obstacle with a call's payoff at maturity: the data cross the obstacle.
use std::finance::{call, put}
const K = 1
time t in [0, 1]
space s in [0.2, 3]
unknown u(t, s)
pde d(u, t) + 0.045 * s^2 * d(u, s, s) + 0.05 * s * d(u, s) - 0.05 * u = 0
terminal u = call(s, K) //~ pdec::passes::violates_constraint
constraint u >= put(s, K)
boundary s = 0.2: u = K - s
boundary s = 3: u = 0
