// An exact solution that is a vector.
time t in [0, 1]
space x in [0, 1]^2
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
boundary on(x): u = 0
exact u = x //~ pdec::check::expected_scalar
