// An index sum over a range that counts down.
time t in [0, 1]
space x in [0, 1]^3
unknown u(t, x)
pde d(u, t) = lap(u) + sum(i in 3..1) x[i] //~ pdec::check::empty_range
initial u = 0
boundary on(x): u = 0
