// The Monte Carlo path asked for a problem with an unknown coefficient.
time t in [0, 1]
space x in [-1, 1]
unknown u(t, x)
unknown const k in [0.1, 10] //~ pdec::passes::coefficient_monte_carlo
pde d(u, t) = k * d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
observe u from "obs.csv"
solve { second_order = monte_carlo }
