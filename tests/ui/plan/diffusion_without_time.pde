// A sampling law that spreads with time, on a problem without time.
space x in [-1, 1]^3
unknown u(x)
pde lap(u) = 1
boundary on(x): u = 0
solve {
  sampling = normal(center = 0, sd = 0.5, spread = diffusion) //~ pdec::plan::diffusion_without_time
}
