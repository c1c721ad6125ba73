// Two equations for one unknown.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = 0.1 * d(u, x, x)
pde d(u, t) = d(u, x, x) //~ pdec::check::extra_equation
initial u = sin(pi * x)
boundary on(x): u = 0
