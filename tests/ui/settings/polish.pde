// The L-BFGS polish's arguments: whole numbers of iterations, batches and curvature pairs,
// and a time budget above zero.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
solve {
  polish = lbfgs(steps = 0, batches = 2000, history = 2.5, time_limit = 0) //~ pdec::settings::out_of_range pdec::settings::out_of_range pdec::settings::out_of_range pdec::settings::out_of_range
}
