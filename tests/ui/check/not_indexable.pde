// A scalar variable indexed like a vector.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) + x[1] //~ pdec::check::not_indexable
initial u = 0
boundary on(x): u = 0
