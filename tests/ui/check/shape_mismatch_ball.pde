// A ball whose center has the wrong number of components.
time t in [0, 1]
space x in ball(2, center = [0, 0, 0], radius = 1) //~ pdec::check::shape_mismatch
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
boundary on(x): u = 0
