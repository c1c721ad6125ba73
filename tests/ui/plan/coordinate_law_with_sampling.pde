// A law per coordinate for a space variable whose points a `sampling` law already draws.
time t in [0, 1]
space x in [0, 2]^3
unknown u(t, x)
boundary none
pde d(u, t) + 0.02 * sum(i in 1..3) x[i]^2 * d(u, x[i], x[i]) = 0
terminal u = max(mean(x) - 1, 0)
solve {
  sampling   = lognormal(center = 1, sd = 0.2)
  sampling.x = arcsine //~ pdec::plan::coordinate_law_with_sampling
}
