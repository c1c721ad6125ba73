// A starter problem: Poisson's equation -lap(u) = f in the unit square, with no time
// variable. The exact solution is u = sin(pi x) sin(pi y).
problem poisson

// Two scalar space variables; `space x in [0, 1]^2` would make one vector variable instead.
space   x in [0, 1]
space   y in [0, 1]
unknown u(x, y)

// `lap(u)` is the Laplacian over all space variables.
pde -lap(u) = 2 * pi^2 * sin(pi * x) * sin(pi * y)

// Dirichlet data on the whole boundary of each variable's interval; Neumann and Robin
// conditions use `d(u, x)` or the outward normal derivative `dn(u)`.
boundary on(x): u = 0
boundary on(y): u = 0

exact u = sin(pi * x) * sin(pi * y)

report u(x = 0.5, y = 0.5)

solve {
  net   = mlp(layers = 3, width = 32)
  steps = 2000
  batch = 512
  lr    = 1e-2
}
