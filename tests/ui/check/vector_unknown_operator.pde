// The gradient of a vector unknown would be a matrix.
time t in [0, 1]
space x in [0, 1]^2
unknown U(t, x)[2]
pde d(U, t) = lap(U) + grad(U) //~ pdec::check::vector_unknown_operator
initial U = 0
boundary on(x): U = 0
