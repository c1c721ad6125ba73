// An unknown coefficient in the exact solution, which must be known before training.
time t in [0, 1]
space x in [-1, 1]
unknown u(t, x)
unknown const k in [0.1, 10]
pde d(u, t) = k * d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
exact u = exp(-k * t) * sin(pi * x) //~ pdec::check::coefficient_not_allowed
observe u from "obs.csv"
