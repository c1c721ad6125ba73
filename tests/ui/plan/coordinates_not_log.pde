// Log-prices asked for on a heat equation: its diffusion does not grow with x, so the
// network reads x as written, and the user is told.
time t in [0, 1]
space x in [0.5, 2]
unknown u(t, x)
pde d(u, t) = 0.1 * d(u, x, x)
initial u = x
boundary on(x): u = x
solve {
  coordinates = log //~ pdec::plan::coordinates_not_log
}
