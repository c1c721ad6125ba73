// The unknown evaluated at another point inside the equation.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) + u(t, 0) //~ pdec::check::unknown_call
initial u = 0
boundary on(x): u = 0
