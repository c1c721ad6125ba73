// A system's terms are computed exactly: the Monte Carlo path takes one unknown for now.
time t in [0, 1]
space x in [-1, 1]^3
unknown u(t, x), v(t, x) //~ pdec::passes::system_monte_carlo
pde d(u, t) = 0.1 * lap(u) + v
pde d(v, t) = 0.1 * lap(v) - u
initial u = 1
initial v = 0
boundary on(x): u = 1
boundary on(x): v = 0
solve { second_order = monte_carlo }
