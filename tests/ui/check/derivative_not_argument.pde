// `p(x)` does not change in time: its time derivative is an error, not a silent zero.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
unknown p(x)
pde d(u, t) = 0.1 * d(u, x, x) + p
pde d(p, t) + d(p, x, x) = u //~ pdec::check::derivative_not_argument
initial u = sin(pi * x)
boundary on(x): u = 0
boundary on(x): p = 0
