// `curl` of a field whose length is not the space dimension.
time t in [0, 1]
space x in [0, 1]^2
unknown U(t, x)[3]
pde d(U, t) = lap(U) + curl(U) //~ pdec::check::shape_mismatch
initial U = 0
boundary on(x): U = 0
