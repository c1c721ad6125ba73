// The Hessian of a vector unknown would have three indices (its Jacobian `grad(U)` is a matrix).
time t in [0, 1]
space x in [0, 1]^2
unknown U(t, x)[2]
pde d(U, t) = lap(U) + sum(i in 1..2) hess(U)[i, i] //~ pdec::check::vector_unknown_operator
initial U = 0
boundary on(x): U = 0
