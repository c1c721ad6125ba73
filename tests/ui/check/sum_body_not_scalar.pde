// An index sum whose body is a whole vector.
time t in [0, 1]
space x in [0, 1]^2
unknown u(t, x)
pde d(u, t) = lap(u) + sum(i in 1..2) x //~ pdec::check::sum_body_not_scalar
initial u = 0
boundary on(x): u = 0
