// An index sum whose range runs past the end of a vector.
time t in [0, 1]
space x in [0, 1]^2
unknown u(t, x)
pde d(u, t) = lap(u) + sum(i in 1..3) x[i] //~ pdec::check::index_out_of_range
initial u = 0
boundary on(x): u = 0
