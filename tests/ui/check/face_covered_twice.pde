// A face given two boundary conditions.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
boundary x = 1: dn(u) = 0 //~ pdec::check::face_covered_twice
