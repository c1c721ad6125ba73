// A domain bound that is a vector.
time t in [0, [1, 2]] //~ pdec::check::expected_scalar
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
