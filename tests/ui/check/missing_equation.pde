// Two unknowns and one equation: `v` is left without an equation of its own.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x), v(t, x) //~ pdec::check::missing_equation
pde d(u, t) = 0.1 * d(u, x, x) + v
initial u = sin(pi * x)
boundary on(x): u = 0
