// A parameter given a single number instead of an interval.
param nu in 0.5 //~ pdec::check::bad_domain
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = nu * d(u, x, x)
initial u = 0
boundary on(x): u = 0
