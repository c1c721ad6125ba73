// Both an initial and a terminal condition.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
terminal u = 1 //~ pdec::check::initial_and_terminal
boundary on(x): u = 0
