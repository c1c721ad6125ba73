// Poisson's equation on a square plate of 1,000 mm, lengths in millimetres (issue 40, part 1):
// the manufactured solution sin(pi x1 / 1000) sin(pi x2 / 1000).
problem poisson_mm

space   x in [0, 1000]^2
unknown u(x)

pde      -lap(u) = 2 * (pi / 1000)^2 * sin(pi * x[1] / 1000) * sin(pi * x[2] / 1000)
boundary on(x): u = 0
exact    u = sin(pi * x[1] / 1000) * sin(pi * x[2] / 1000)

report u(x = [500, 500])

solve {
  net   = mlp(layers = 3, width = 32)
  steps = 2000
  batch = 512
  lr    = 1e-2
  clip  = 1
}
