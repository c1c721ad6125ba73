// A constant coefficient matrix that is not positive semi-definite cannot take the Monte Carlo path.
const M[i in 1..2, j in 1..2] = if i == j then 1 else 2
time t in [0, 1]
space x in [0, 1]^2
unknown u(t, x)
pde d(u, t) = sum(i in 1..2, j in 1..2) M[i, j] * d(u, x[i], x[j]) //~ pdec::passes::indefinite_matrix
initial u = 0
boundary on(x): u = 0
solve {
  second_order = monte_carlo
}
