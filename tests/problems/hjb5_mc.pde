// 5-D HJB with a closed form, trained with the Laplacian AND |grad u|^2 estimated by Monte
// Carlo. v = exp(-u) = |x|^2 + 2 d (T - t) + 1/2 solves the backward heat equation, so
// u = -log(v) solves u_t + lap(u) - |grad u|^2 = 0 (Cole-Hopf). Near the terminal time the
// gradient term is as large as the Laplacian's share (|grad v|^2 / v^2 against lap(v) / v).
problem hjb5_mc
const d = 5
const T = 0.25
time t in [0, T]
space x in [-1, 1]^d
unknown u(t, x)
boundary on(x): u = -log(norm2(x) + 2 * d * (T - t) + 0.5)
pde d(u, t) + lap(u) - norm2(grad(u)) = 0
terminal u = -log(norm2(x) + 0.5)
exact u = -log(norm2(x) + 2 * d * (T - t) + 0.5)
report u(0, x = 0)
solve {
  net = mlp(layers = 3, width = 32)
  second_order = monte_carlo(delta = 1e-3)
  mc_draws = 2
  steps = 2000
  batch = 256
  lr = 1e-2
  clip = 1
  log_every = 500
}
