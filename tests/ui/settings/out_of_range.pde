// A learning rate outside (0, 10).
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
solve {
  lr = 0 //~ pdec::settings::out_of_range
}
