// A parameter range that uses the time variable.
time t in [0, 1]
param nu in [0, t] //~ pdec::check::not_constant
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = nu * d(u, x, x)
initial u = 0
boundary on(x): u = 0
