// `boundary none` together with a boundary condition.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary none //~ pdec::check::boundary_none_conflict
boundary on(x): u = 0
