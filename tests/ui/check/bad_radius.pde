// A ball with a negative radius.
time t in [0, 1]
space x in ball(2, center = 0, radius = -1) //~ pdec::check::bad_radius
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
boundary on(x): u = 0
