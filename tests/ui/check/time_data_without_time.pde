// A steady unknown beside a time-dependent one takes no initial condition.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
unknown p(x)
pde d(u, t) = 0.1 * d(u, x, x) + p
pde d(p, x, x) = u
initial u = sin(pi * x)
initial p = 0 //~ pdec::check::time_data_without_time
boundary on(x): u = 0
boundary on(x): p = 0
