// A coefficient function read only by the equation of an unknown no data set observes: the
// data (of `u`) cannot reach it.
space x in [0, 1]
unknown u(x), v(x)
unknown coef k(x) in [0.1, 2] //~ pdec::check::coefficient_without_data
pde -d(u, x, x) = 1
pde -d(v, x, x) + k * v = 1
boundary on(x): u = 0
boundary on(x): v = 0
observe u from "obs.csv"
