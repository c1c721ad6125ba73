// An exact solution whose left side is not the unknown itself.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
exact 2 * u = 0 //~ pdec::check::exact_lhs
