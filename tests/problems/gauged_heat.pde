// A gauged unknown of time (issue 34): u_t = 0.1 u_xx, and p with p_x = u, which fixes p
// only up to a function of time. The gauge `mean p = 0` fixes it at each time: p = -exp(-0.1
// pi^2 t) cos(pi x) / pi. `exact p` is written with a constant added (3): the metrics compare
// with the mean removed, and the report's exact value is shifted to the gauge.
problem gauged_heat
time t in [0, 1]
space x in [0, 1]
unknown u(t, x), p(t, x)
pde heat: d(u, t) = 0.1 * d(u, x, x)
pde gradient: d(p, x) = u
initial u = sin(pi * x)
boundary on(x): u = 0
mean p = 0
exact u = exp(-0.1 * pi^2 * t) * sin(pi * x)
exact p = 3 - exp(-0.1 * pi^2 * t) * cos(pi * x) / pi
report p(0.5, 0.25)
