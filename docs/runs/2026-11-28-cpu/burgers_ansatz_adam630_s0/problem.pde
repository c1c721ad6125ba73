// Viscous Burgers' equation on [-1, 1] (Raissi et al.'s PINN benchmark).
// Reference: the Cole-Hopf solution, tabulated in burgers_reference.csv by `pdec reference`.
problem burgers

const nu = 0.01 / pi

time    t in [0, 1]
space   x in [-1, 1]
unknown u(t, x)

ansatz   u = -sin(pi * x) + t * (1 - x^2) * net
pde      d(u, t) + u * d(u, x) = nu * d(u, x, x)
initial  u = -sin(pi * x)
boundary x = -1: u = 0
boundary x = 1: u = 0

report u(0.5, x = 0.5)
reference "burgers_reference.csv"  // written by `pdec reference burgers --out ...`

solve {
  net        = mlp(layers = 4, width = 50)
  steps      = 20000
  batch      = 2048
  lr         = 3e-3
  clip       = 1
  time_limit = 600  // seconds: the documented 10-minute budget on 2 cores
}
