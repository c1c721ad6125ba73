// A coefficient function no equation reads.
space x in [0, 1]
unknown u(x)
unknown coef k(x) in [0.1, 2] //~ pdec::check::unknown_not_in_equation
pde -d(u, x, x) = 1
boundary on(x): u = 0
observe u from "obs.csv"
