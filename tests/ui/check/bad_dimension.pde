// A box of dimension zero.
time t in [0, 1]
space x in [0, 1]^0 //~ pdec::check::bad_dimension
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
boundary on(x): u = 0
