// A sampling law for a parameter the problem does not have.
param nu in [0.01, 0.1]
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = nu * d(u, x, x)
initial u = 0
boundary on(x): u = 0
solve {
  sampling.mu = log //~ pdec::plan::unknown_param
}
