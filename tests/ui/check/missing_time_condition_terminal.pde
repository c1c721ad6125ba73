// Terminal data count like initial data: two for an equation of second order in time.
time t in [0, 2]
space x in [0, 1]
unknown u(t, x)
pde d(u, t, t) = d(u, x, x) - u
terminal u = x * (1 - x) //~ pdec::check::missing_time_condition
boundary on(x): u = 0
