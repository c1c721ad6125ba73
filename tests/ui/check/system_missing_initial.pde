// Initial conditions per unknown: `v` has none.
time t in [0, 1] //~ pdec::check::missing_initial
space x in [0, 1]
unknown u(t, x), v(t, x)
pde d(u, t) = 0.1 * d(u, x, x) + v
pde d(v, t) = 0.1 * d(v, x, x) - u
initial u = sin(pi * x)
boundary on(x): u = 0
boundary on(x): v = 0
