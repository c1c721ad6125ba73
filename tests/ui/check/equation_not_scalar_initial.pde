// An initial condition that sets a scalar unknown to a vector.
time t in [0, 1]
space x in [0, 1]^2
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = x //~ pdec::check::equation_not_scalar
boundary on(x): u = 0
