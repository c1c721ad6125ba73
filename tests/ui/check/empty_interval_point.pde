// A parameter interval of a single point.
param nu in [0.1, 0.1] //~ pdec::check::empty_interval
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = nu * d(u, x, x)
initial u = 0
boundary on(x): u = 0
