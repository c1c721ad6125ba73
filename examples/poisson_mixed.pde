// Poisson's equation in the unit square with Dirichlet, Neumann and Robin faces.
// Exact solution u = cos(pi x) * (1 + y^2).
problem poisson_mixed

space   x in [0, 1]
space   y in [0, 1]
unknown u(x, y)

pde      -(d(u, x, x) + d(u, y, y)) = pi^2 * cos(pi * x) * (1 + y^2) - 2 * cos(pi * x)
boundary x = 0: u = 1 + y^2                  // Dirichlet
boundary x = 1: u = -(1 + y^2)               // Dirichlet
boundary y = 0: d(u, y) = 0                  // Neumann (outward normal is -y)
boundary y = 1: dn(u) + u = 4 * cos(pi * x)  // Robin: du/dy + u = 2 cos + 2 cos
exact    u = cos(pi * x) * (1 + y^2)

report u(x = 0.5, y = 0.5)
