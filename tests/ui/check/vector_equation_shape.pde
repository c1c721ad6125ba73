// A vector equation set equal to a scalar other than zero.
time t in [0, 1]
space x in [0, 1]^2
unknown U(t, x)[2]
pde d(U, t) = U[1] //~ pdec::check::vector_equation_shape
initial U = 0
boundary on(x): U = 0
