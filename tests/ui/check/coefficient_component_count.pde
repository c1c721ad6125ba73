// A vector of coefficients with no component: `bad_component_count`, as for a vector unknown.
time t in [0, 1]
space x in [-1, 1]
unknown u(t, x)
unknown const k[0] in [0.1, 10] //~ pdec::check::bad_component_count
pde d(u, t) = d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
observe u from "obs.csv"
