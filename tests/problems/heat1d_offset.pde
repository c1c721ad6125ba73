// The 1-D heat problem of heat1d.pde lifted to 1000: a solution far from the network's
// starting outputs (around 0), which `output_scale = auto` starts from.
problem heat1d_offset
time t in [0, 0.5]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 1000 + sin(pi * x)
boundary on(x): u = 1000
exact u = 1000 + exp(-pi^2 * t) * sin(pi * x)
report u(0.25, x = 0.5)
solve {
  net = mlp(layers = 2, width = 16)
  steps = 300
  batch = 128
  lr = 1e-2
  log_every = 100
}
