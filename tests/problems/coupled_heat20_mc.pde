// Two coupled 20-D heat equations (issue 34) trained through the Monte Carlo path: each
// equation's Laplacian is estimated from its own unknown's output at shifted points. The
// closed forms u = |x|^2 / d + 2 t, v = mean(x) + t make the coupling terms and sources
// cancel (lap(u) = 2, lap(v) = 0).
problem coupled_heat20_mc
const d = 20
time    t in [0, 0.5]
space   x in [0, 1]^d
unknown u(t, x), v(t, x)
pde      d(u, t) = lap(u) + v - mean(x) - t
pde      d(v, t) = 0.5 * lap(v) + u - norm(x)^2 / d - 2 * t + 1
initial  u = norm(x)^2 / d
initial  v = mean(x)
boundary on(x): u = norm(x)^2 / d + 2 * t
boundary on(x): v = mean(x) + t
exact    u = norm(x)^2 / d + 2 * t
exact    v = mean(x) + t
solve {
  net          = mlp(layers = 3, width = 32)
  second_order = monte_carlo(delta = 1e-3)
  steps        = 600
  batch        = 256
  lr           = 1e-2
  clip         = 1
  log_every    = 100
}
