// The exact solution meets the data but decays at the wrong rate: not a solution.
param k in [0.5, 2]
time t in [0, 0.5]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = k * d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
exact u = exp(-pi^2 * t) * sin(pi * x) //~ pdec::passes::exact_not_solution
