// An equation that does not mention the unknown.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde x = 1 //~ pdec::check::pde_without_unknown
initial u = 0
boundary on(x): u = 0
