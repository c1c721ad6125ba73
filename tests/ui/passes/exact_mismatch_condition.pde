// The exact solution satisfies the equation and both boundary conditions, not the initial
// data: the initial data are the likely mistake.
time t in [0, 0.5]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = sin(2 * pi * x) //~ pdec::passes::exact_mismatch
boundary x = 0: u = 0
boundary x = 1: u = 0
exact u = exp(-pi^2 * t) * sin(pi * x)
