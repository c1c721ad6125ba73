// A fractional box dimension.
time t in [0, 1]
space x in [0, 1]^2.5 //~ pdec::check::not_integer
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
boundary on(x): u = 0
