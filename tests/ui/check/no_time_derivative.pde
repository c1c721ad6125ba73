// Time is declared and initial data given, but the equation has no time derivative.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde 0 = d(u, x, x) + sin(pi * x) //~ pdec::check::no_time_derivative
initial u = sin(pi * x) / pi^2
boundary on(x): u = 0
