// The heat equation runs forward in time: a `terminal` condition is almost always a mistake.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = 0.1 * d(u, x, x)
terminal u = sin(pi * x) //~ pdec::passes::terminal_on_forward
boundary on(x): u = 0
