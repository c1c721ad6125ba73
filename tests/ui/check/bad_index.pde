// A component index that is not a whole number.
time t in [0, 1]
space x in [0, 1]^2
unknown u(t, x)
pde d(u, t) = lap(u) + x[1.5] //~ pdec::check::bad_index
initial u = 0
boundary on(x): u = 0
