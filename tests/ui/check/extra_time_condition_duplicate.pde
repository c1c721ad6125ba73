// Two initial values for one unknown: one of them is a mistake.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = 0.5 * d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
initial u = 0 //~ pdec::check::extra_time_condition
