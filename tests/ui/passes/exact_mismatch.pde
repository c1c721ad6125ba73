// An `exact` that meets neither the initial nor the boundary data (cos for sin).
time t in [0, 0.5]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
exact u = exp(-pi^2 * t) * cos(pi * x) //~ pdec::passes::exact_mismatch
