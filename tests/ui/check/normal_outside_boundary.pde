// The normal derivative used in the equation instead of a boundary condition.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) + dn(u) //~ pdec::check::normal_outside_boundary
initial u = 0
boundary on(x): u = 0
