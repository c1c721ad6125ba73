// tests/problems/heat1d.pde in seconds: half an hour, a diffusivity per second. Every term of
// the equation is 3,600 times smaller than in hours while the conditions are not; the
// residual's scale (`residual_scale = auto`) weighs the PDE term back.
problem heat1d_seconds
const k = 1 / 3600
time t in [0, 1800]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = k * d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
exact u = exp(-pi^2 * k * t) * sin(pi * x)
report u(900, x = 0.5)
solve {
  net = mlp(layers = 3, width = 32)
  steps = 2500
  batch = 256
  lr = 1e-2
  clip = 1
  log_every = 250
}
