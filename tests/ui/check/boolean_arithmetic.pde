// A comparison added to a number.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) + (x > 0.5) //~ pdec::check::boolean_arithmetic
initial u = 0
boundary on(x): u = 0
