// No initial data at all for a second-order equation: the help names both.
time t in [0, 1] //~ pdec::check::missing_initial
space x in [0, 1]
unknown u(t, x)
pde d(u, t, t) = d(u, x, x)
boundary on(x): u = 0
