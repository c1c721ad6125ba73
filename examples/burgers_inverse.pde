// Raissi, Perdikaris and Karniadakis's inverse Burgers problem: both coefficients of
// u_t + l1 u u_x = l2 u_xx identified from 2,000 observations of the Cole-Hopf solution
// (l1 = 1, l2 = 0.01/pi = 0.0031831), drawn uniformly in the domain by
//   pdec reference burgers --sample 2000 --seed 0 --out examples/burgers_inverse_data.csv
problem burgers_inverse

time    t in [0, 1]
space   x in [-1, 1]
unknown u(t, x)
unknown const l1 in [0.1, 3] init 0.5
unknown const l2 in [0.0005, 0.5] init 0.01 log  // spans three decades: a log scale

pde      d(u, t) + l1 * u * d(u, x) = l2 * d(u, x, x)
initial  u = -sin(pi * x)
boundary x = -1: u = 0
boundary x = 1: u = 0

observe u from "burgers_inverse_data.csv"

solve {
  net    = mlp(layers = 8, width = 20)  // Raissi et al.'s network: depth resolves the shock
  steps  = 8000
  batch  = 2048
  clip   = 1
  polish = lbfgs(steps = 5000, batches = 4)  // the shock's width decides l2: finish by L-BFGS
}
