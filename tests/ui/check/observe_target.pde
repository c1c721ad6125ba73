// An observation of something that is not a quantity of the unknowns.
time t in [0, 1]
space x in [-1, 1]
unknown u(t, x)
unknown const k in [0.1, 10]
pde d(u, t) = k * d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
observe 2 * x from "obs.csv" //~ pdec::check::observe_target
