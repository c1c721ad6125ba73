// A vector unknown of no components.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)[0] //~ pdec::check::bad_component_count
pde d(u, t) = lap(u)
initial u = 0
boundary on(x): u = 0
