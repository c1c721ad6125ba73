// Adding vectors of different lengths.
time t in [0, 1]
space x in [0, 1]^2
unknown u(t, x)
pde d(u, t) = lap(u) + sum(x + [1, 2, 3]) //~ pdec::check::shape_mismatch
initial u = 0
boundary on(x): u = 0
