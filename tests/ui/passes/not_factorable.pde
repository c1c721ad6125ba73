// A lone mixed derivative cannot be written C = B B^T, so it cannot take the Monte Carlo path.
time t in [0, 1]
space x in [0, 1]^2
unknown u(t, x)
pde d(u, t) = lap(u) + 0.5 * d(u, x[1], x[2]) //~ pdec::passes::not_factorable
initial u = 0
boundary on(x): u = 0
solve {
  second_order = monte_carlo
}
