// A noise level that is not a positive number (its weight would be 1 / noise^2).
time t in [0, 1]
space x in [-1, 1]
unknown u(t, x)
unknown const k in [0.1, 10]
pde d(u, t) = k * d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
observe u from "obs.csv" noise 0 //~ pdec::check::observe_weight
