// Log-uniform sampling of a parameter whose range reaches zero.
param nu in [0, 0.1]
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = nu * d(u, x, x)
initial u = 0
boundary on(x): u = 0
solve {
  sampling.nu = log //~ pdec::plan::log_sampling_range
}
