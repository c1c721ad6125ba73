// The wave equation is second order in time: the initial value alone leaves it undetermined.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t, t) = d(u, x, x)
initial u = sin(pi * x) //~ pdec::check::missing_time_condition
boundary on(x): u = 0
