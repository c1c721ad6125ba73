// A system's boundary conditions per unknown: `v` has none on x = 1.
time t in [0, 1]
space x in [0, 1] //~ pdec::check::missing_boundary
unknown u(t, x), v(t, x)
pde d(u, t) = 0.1 * d(u, x, x) + v
pde d(v, t) = 0.1 * d(v, x, x) - u
initial u = sin(pi * x)
initial v = 0
boundary on(x): u = 0
boundary x = 0: v = 0
