// A loss weight for a condition the ansatz imposes exactly: it has no loss term to weigh.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
ansatz u = sin(pi * x) + t * x * (1 - x) * net
solve {
  weight.initial = 10 //~ pdec::plan::unknown_term
}
