// Two equations named alike: each name is a loss term's.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x), v(t, x)
pde heat: d(u, t) = 0.1 * d(u, x, x) + v
pde heat: d(v, t) = 0.1 * d(v, x, x) + u //~ pdec::check::duplicate_equation_name
initial u = sin(pi * x)
initial v = 0
boundary on(x): u = 0
boundary on(x): v = 0
