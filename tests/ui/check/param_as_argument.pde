// A parameter listed among the unknown's arguments.
param nu in [0.01, 0.1]
time t in [0, 1]
space x in [0, 1]
unknown u(t, x, nu) //~ pdec::check::param_as_argument
pde d(u, t) = nu * d(u, x, x)
initial u = 0
boundary on(x): u = 0
