// A vector literal with a vector as a component.
time t in [0, 1]
space x in [0, 1]^2
unknown u(t, x)
pde d(u, t) = lap(u) + sum([x, 1]) //~ pdec::check::entry_not_scalar
initial u = 0
boundary on(x): u = 0
