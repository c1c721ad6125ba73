// The same setting twice in one `solve` block.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
solve {
  steps = 20000
  batch = 1024
  steps = 5000 //~ pdec::settings::duplicate_setting
}
