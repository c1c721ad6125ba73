// `d` applied to an expression rather than the unknown.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u^2, x) //~ pdec::check::derivative_of_non_unknown
initial u = 0
boundary on(x): u = 0
