// A region used as a value.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) + on(x) //~ pdec::check::misplaced_domain
initial u = 0
boundary on(x): u = 0
