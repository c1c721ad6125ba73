// The heat equation is first order in time: d(u, t) at t = 0 follows from the equation.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = sin(pi * x)
initial d(u, t) = 0 //~ pdec::check::extra_time_condition
boundary on(x): u = 0
