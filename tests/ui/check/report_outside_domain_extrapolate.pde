// `extrapolate = true` makes a report outside the trained box a warning.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
report u(1.5, x = 0.5) //~ pdec::check::report_outside_domain
solve {
  extrapolate = true
}
