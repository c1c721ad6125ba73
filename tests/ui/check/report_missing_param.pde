// A report point without a value for a parameter.
param nu in [0.01, 0.1]
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = nu * d(u, x, x)
initial u = 0
boundary on(x): u = 0
report u(0.5, x = 0.5) //~ pdec::check::report_missing_param
