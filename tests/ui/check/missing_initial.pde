// A time-dependent problem without an initial or terminal condition.
time t in [0, 1] //~ pdec::check::missing_initial
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
boundary on(x): u = 0
