// A derivative of a component the vector unknown does not have.
time t in [0, 1]
space x in [0, 1]
unknown U(t, x)[2]
pde d(U, t) = lap(U) + [d(U[0], x), 0] //~ pdec::check::component_out_of_range
initial U = 0
boundary on(x): U = 0
