// A loss weight for a term the problem does not have.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
solve {
  weight.boundry = 10 //~ pdec::plan::unknown_term
}
