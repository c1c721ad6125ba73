// A report point giving the same input twice.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
report u(0.5, x = 0.5, t = 1) //~ pdec::check::report_unknown_argument
