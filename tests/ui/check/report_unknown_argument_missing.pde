// A report point naming a wrong input in place of a space variable.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
report u(0.5, y = 0.5) //~ pdec::check::report_unknown_argument
