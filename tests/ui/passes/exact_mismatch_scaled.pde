// Twice the solution satisfies the equation and the zero boundary data, and misses only the
// initial data: with one boundary statement to corroborate it, `exact` is blamed.
time t in [0, 0.5]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
exact u = 2 * exp(-pi^2 * t) * sin(pi * x) //~ pdec::passes::exact_mismatch
