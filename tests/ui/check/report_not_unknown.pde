// A report of an expression rather than a point value of the unknown.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
report 2 * u(0.5, x = 0.5) //~ pdec::check::report_not_unknown
