// A vector condition whose sides have different lengths.
time t in [0, 1]
space x in [0, 1]^2
unknown U(t, x)[2]
pde d(U, t) = lap(U)
initial U = [0, 0, 0] //~ pdec::check::vector_equation_shape
boundary on(x): U = 0
