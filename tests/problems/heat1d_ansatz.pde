// heat1d.pde with its initial and boundary values imposed by an ansatz: one loss term left.
problem heat1d_ansatz
time t in [0, 0.5]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
ansatz u = sin(pi * x) + t * x * (1 - x) * net
exact u = exp(-pi^2 * t) * sin(pi * x)
report u(0.25, x = 0.5)
solve {
  net = mlp(layers = 3, width = 32)
  steps = 1500
  batch = 256
  lr = 1e-2
  clip = 1
  log_every = 250
}
