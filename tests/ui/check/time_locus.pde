// A boundary condition placed at a time instead of a face of space.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
boundary t = 1: u = 1 //~ pdec::check::time_locus
