// `dist(boundary)` in a problem with no space variable.
time t in [0, 1]
unknown u(t)
pde d(u, t) = -u
initial u = 1
ansatz u = 1 + dist(boundary) * net //~ pdec::check::dist_no_space
