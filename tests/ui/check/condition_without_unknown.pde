// A boundary condition that does not mention the unknown.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary x = 0: u = 0
boundary x = 1: x = 1 //~ pdec::check::condition_without_unknown
