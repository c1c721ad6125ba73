// A report point with more positional values than the unknown has arguments.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
report u(0, 0.5, 1) //~ pdec::check::arity
