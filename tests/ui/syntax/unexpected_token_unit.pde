// A unit after a setting's value, `10 min`, is reported at the unit, not at the next line.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
solve {
  time_limit = 10 min //~ pdec::syntax::unexpected_token
  steps = 5000
}
