// Adaptive sampling's arguments: a power in (0, 8], a uniform share in [0, 1], whole
// numbers of batches and of steps.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
solve {
  adaptive = residual(power = 0, uniform = 1.5, pool = 2.5) //~ pdec::settings::out_of_range pdec::settings::out_of_range pdec::settings::out_of_range
}
