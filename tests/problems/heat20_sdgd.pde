// 20-D heat equation with a closed form, its Laplacian estimated by sampled coordinates
// (stochastic dimension gradient descent: 4 of the 20 second derivatives per estimate).
problem heat20_sdgd
const d = 20
time t in [0, 0.5]
space x in [0, 1]^d
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = norm(x)^2 / d
boundary on(x): u = norm(x)^2 / d + 2 * t
exact u = norm(x)^2 / d + 2 * t
report u(0.25, x = 0.5)
solve {
  net = mlp(layers = 3, width = 32)
  second_order = monte_carlo(delta = 1e-3)
  mc_noise = coordinates
  mc_draws = 4
  steps = 1500
  batch = 256
  lr = 1e-2
  clip = 1
  log_every = 500
}
