// Log-uniform sampling of the time variable, whose interval starts at zero.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = 0.1 * d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
solve {
  sampling.t = log //~ pdec::plan::log_sampling_range
}
