// A log-normal sampling law in a box too small for it: in 50 dimensions a sixth of its draws
// have some price above 2, and redrawing them loses the points with a large common factor.
time t in [0, 1]
space x in [0, 2]^50
unknown u(t, x)
boundary none
pde d(u, t) + 0.02 * sum(i in 1..50) x[i]^2 * d(u, x[i], x[i]) = 0
terminal u = max(mean(x) - 1, 0)
solve {
  sampling = lognormal(center = 1, sd = 0.35, corr = 0.75) //~ pdec::plan::sampling_truncated
}
