// A parameter interval with its bounds reversed.
param nu in [0.1, 0.01] //~ pdec::check::empty_interval
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = nu * d(u, x, x)
initial u = 0
boundary on(x): u = 0
