// A face of the domain without a boundary condition.
time t in [0, 1]
space x in [0, 1] //~ pdec::check::missing_boundary
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary x = 0: u = 0
