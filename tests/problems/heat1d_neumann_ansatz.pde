// Insulated walls (a normal derivative) with the initial value imposed by an ansatz: the
// boundary term is the ansatz's normal derivative, learned as a loss term.
problem heat1d_neumann_ansatz
time t in [0, 0.5]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = cos(pi * x)
boundary on(x): dn(u) = 0
ansatz u = cos(pi * x) + t * (1 + x) * net
exact u = exp(-pi^2 * t) * cos(pi * x)
report u(0.25, x = 0.5)
solve {
  net = mlp(layers = 3, width = 32)
  steps = 1500
  batch = 256
  lr = 1e-2
  clip = 1
  log_every = 250
}
