// Heat equation in a 5-D box with insulated (Neumann) faces on one side and Dirichlet data
// on the other; closed form u = |x|^2 / d + 2 t.
problem heat_box

const d = 5

time    t in [0, 1]
space   x in [0, 1]^d
unknown u(t, x)

pde      d(u, t) = lap(u)
initial  u = norm(x)^2 / d
boundary x[i] = 0 for i in 1..d: dn(u) = 0  // insulated: du/dn = -2 x_i / d = 0
boundary x[i] = 1 for i in 1..d: u = norm(x)^2 / d + 2 * t
exact    u = norm(x)^2 / d + 2 * t

solve {
  second_order = monte_carlo(delta = 1e-3)
}
