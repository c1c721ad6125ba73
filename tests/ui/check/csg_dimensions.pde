// A 2-D box minus a 3-D ball.
space x in box([0, 1]^2) - ball(center = [0.5, 0.5, 0.5], radius = 0.2) //~ pdec::check::csg_dimensions
unknown u(x)
pde lap(u) = 1
boundary on(x): u = 0
