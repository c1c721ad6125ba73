// The ansatz defines the unknown: it cannot use it.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = 0.1 * d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
ansatz u = u + t * net //~ pdec::check::ansatz_depends_on_unknown
