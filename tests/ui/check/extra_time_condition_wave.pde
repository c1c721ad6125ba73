// A second-order equation given two initial values and no initial velocity.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t, t) = d(u, x, x)
initial u = sin(pi * x)
initial u = sin(pi * x) + 0 * x //~ pdec::check::extra_time_condition
boundary on(x): u = 0
