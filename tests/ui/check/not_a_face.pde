// A boundary locus inside the domain.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
boundary x = 0.5: u = 1 //~ pdec::check::not_a_face
