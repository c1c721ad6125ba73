// An equation whose right side is a vector.
time t in [0, 1]
space x in [0, 1]^2
unknown u(t, x)
pde d(u, t) = lap(u) + x //~ pdec::check::equation_not_scalar
initial u = 0
boundary on(x): u = 0
