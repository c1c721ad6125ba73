// `*` between a matrix and a vector, written as if it were a matrix product.
const A[i in 1..2, j in 1..2] = if i == j then 1 else 0
time t in [0, 1]
space x in [0, 1]^2
unknown u(t, x)
pde d(u, t) = lap(u) + sum(A * x) //~ pdec::check::shape_mismatch
initial u = 0
boundary on(x): u = 0
