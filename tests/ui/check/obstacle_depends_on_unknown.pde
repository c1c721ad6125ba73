// An obstacle written in terms of the unknown.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
constraint u >= max(u, 0) //~ pdec::check::obstacle_depends_on_unknown
