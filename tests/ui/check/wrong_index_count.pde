// A vector indexed with two indices.
time t in [0, 1]
space x in [0, 1]^2
unknown u(t, x)
pde d(u, t) = lap(u) + x[1, 2] //~ pdec::check::wrong_index_count
initial u = 0
boundary on(x): u = 0
