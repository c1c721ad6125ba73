// poisson_mm.pde in metres: the unit square (issue 40, part 1).
problem poisson_unit

space   x in [0, 1]^2
unknown u(x)

pde      -lap(u) = 2 * pi^2 * sin(pi * x[1]) * sin(pi * x[2])
boundary on(x): u = 0
exact    u = sin(pi * x[1]) * sin(pi * x[2])

report u(x = [0.5, 0.5])

solve {
  net   = mlp(layers = 3, width = 32)
  steps = 2000
  batch = 512
  lr    = 1e-2
  clip  = 1
}
