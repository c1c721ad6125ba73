// A component index past the vector unknown's length.
time t in [0, 1]
space x in [0, 1]^2
unknown U(t, x)[2]
pde d(U, t) = lap(U) + U[3] //~ pdec::check::component_out_of_range
initial U = 0
boundary on(x): U = 0
