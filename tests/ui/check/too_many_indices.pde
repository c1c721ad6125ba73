// A constant with three indices.
const c[i in 1..2, j in 1..2, k in 1..2] = i + j + k //~ pdec::check::too_many_indices
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) + c[1, 1, 1]
initial u = 0
boundary on(x): u = 0
