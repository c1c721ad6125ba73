// A vector literal with no components.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) + sum([]) //~ pdec::check::empty_vector
initial u = 0
boundary on(x): u = 0
