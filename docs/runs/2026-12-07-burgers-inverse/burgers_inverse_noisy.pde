// The 1% noise variant of examples/burgers_inverse.pde (Raissi, Perdikaris and Karniadakis's
// inverse Burgers problem): the same 2,000 points, with Gaussian noise of standard deviation
// 0.0062 (1% of the data's 0.62, as in Raissi et al.), written by
//   pdec reference burgers --sample 2000 --seed 0 --noise 0.0062 --out burgers_inverse_noisy_data.csv
// Truth: l1 = 1, l2 = 0.01/pi = 0.0031831.
problem burgers_inverse_noisy

time    t in [0, 1]
space   x in [-1, 1]
unknown u(t, x)
unknown const l1 in [0.1, 3] init 0.5
unknown const l2 in [0.0005, 0.5] init 0.01 log  // spans three decades: a log scale

pde      d(u, t) + l1 * u * d(u, x) = l2 * d(u, x, x)
initial  u = -sin(pi * x)
boundary x = -1: u = 0
boundary x = 1: u = 0

observe u from "burgers_inverse_noisy_data.csv"

solve {
  net    = mlp(layers = 8, width = 20)  // Raissi et al.'s network: depth resolves the shock
  steps  = 8000
  batch  = 2048
  clip   = 1
  polish = lbfgs(steps = 5000, batches = 4)  // the shock's width decides l2: finish by L-BFGS
}
