// A reference table has one column of values, one unknown's: in a system the other would go
// uncompared.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x), v(t, x)
pde d(u, t) = 0.1 * d(u, x, x) + 0.5 * v
pde d(v, t) = 0.1 * d(v, x, x) + 2 * u
initial u = sin(pi * x)
initial v = 2 * sin(pi * x)
boundary on(x): u = 0
boundary on(x): v = 0
reference "uv.csv" //~ pdec::check::reference_in_system
