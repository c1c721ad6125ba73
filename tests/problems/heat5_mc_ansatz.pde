// heat5_mc.pde with its initial values imposed by an ansatz (the boundary stays a loss term):
// the Monte Carlo path with a point-dependent factor, s = t.
problem heat5_mc_ansatz
const d = 5
time t in [0, 0.5]
space x in [0, 1]^d
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = norm(x)^2 / d
boundary on(x): u = norm(x)^2 / d + 2 * t
ansatz u = sum(x * x) / d + t * net
exact u = norm(x)^2 / d + 2 * t
report u(0.25, x = 0.5)
solve {
  net = mlp(layers = 3, width = 32)
  second_order = monte_carlo(delta = 1e-3)
  mc_draws = 2
  steps = 1500
  batch = 256
  lr = 1e-2
  clip = 1
  log_every = 500
}
