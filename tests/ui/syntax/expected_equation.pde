// An `initial` condition without `= value`.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial sin(pi * x) //~ pdec::syntax::expected_equation
boundary on(x): u = 0
