// A vector of three coefficients started from a vector of two values.
time t in [0, 1]
space x in [-1, 1]
unknown u(t, x)
unknown const k[3] in [0.1, 10] init [1, 2] //~ pdec::check::coefficient_init_shape
pde d(u, t) = k[1] * d(u, x, x) + k[2] * d(u, x) + k[3] * u
initial u = sin(pi * x)
boundary on(x): u = 0
observe u from "obs.csv"
