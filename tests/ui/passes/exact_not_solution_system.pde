// Closed forms that meet every condition of a system but not its equations: the growth
// rate lost the coupling (`1 - 0.1 pi^2` is `0.5 * 2 - 0.1 pi^2`).
time t in [0, 1]
space x in [0, 1]
unknown u(t, x), v(t, x)
pde d(u, t) = 0.1 * d(u, x, x) + 0.5 * v
pde d(v, t) = 0.1 * d(v, x, x) + 2 * u
initial u = sin(pi * x)
initial v = 2 * sin(pi * x)
boundary on(x): u = 0
boundary on(x): v = 0
exact u = exp(-0.1 * pi^2 * t) * sin(pi * x) //~ pdec::passes::exact_not_solution
exact v = 2 * exp(-0.1 * pi^2 * t) * sin(pi * x)
