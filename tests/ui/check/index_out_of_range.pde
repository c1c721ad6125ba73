// A component past the end of a vector variable.
time t in [0, 1]
space x in [0, 1]^2
unknown u(t, x)
pde d(u, t) = lap(u) + x[3] //~ pdec::check::index_out_of_range
initial u = 0
boundary on(x): u = 0
