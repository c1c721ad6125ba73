// A boundary locus naming a component past the end of the box.
time t in [0, 1]
space x in [0, 1]^2
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
boundary on(x): u = 0
boundary x[3] = 0: dn(u) = 0 //~ pdec::check::index_out_of_range
