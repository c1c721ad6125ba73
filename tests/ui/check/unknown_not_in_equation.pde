// An unknown that no equation uses.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
unknown w(t, x) //~ pdec::check::unknown_not_in_equation
pde d(u, t) = 0.1 * d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
