// The hole of the plate has no condition.
space x in [-1, 1]^2 - ball(center = [0.3, 0], radius = 0.2) as hole //~ pdec::check::missing_boundary
unknown u(x)
pde lap(u) = 1
boundary x[1] = -1: u = 0
boundary x[1] = 1: u = 0
boundary x[2] = -1: u = 0
boundary x[2] = 1: u = 0
