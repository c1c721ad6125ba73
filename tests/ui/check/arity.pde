// A builtin called with the wrong number of arguments.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) + exp(x, 2) //~ pdec::check::arity
initial u = 0
boundary on(x): u = 0
