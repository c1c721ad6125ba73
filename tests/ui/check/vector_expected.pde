// `mean` of a scalar.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) + mean(x) //~ pdec::check::vector_expected
initial u = 0
boundary on(x): u = 0
