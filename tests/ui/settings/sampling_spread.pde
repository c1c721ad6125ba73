// The spread of a sampling law is `constant` or `diffusion`.
//
time t in [0, 1]
space x in [-2, 2]^3
unknown u(t, x)
pde d(u, t) + lap(u) = 0
terminal u = 0
boundary none
solve {
  sampling = normal(center = 0, sd = 1, spread = brownian) //~ pdec::settings::bad_value
}
