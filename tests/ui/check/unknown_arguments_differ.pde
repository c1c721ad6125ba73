// The unknowns of a problem share one network: the same arguments.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
unknown p(x) //~ pdec::check::unknown_arguments_differ
pde d(u, t) = 0.1 * d(u, x, x) + p
pde d(p, x, x) = u
initial u = sin(pi * x)
boundary on(x): u = 0
boundary on(x): p = 0
