// A problem without an equation. //~ pdec::check::missing_pde
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
initial u = 0
boundary on(x): u = 0
