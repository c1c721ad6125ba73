// A reaction rate that varies in space, identified from measurements of the solution
// (DeepXDE's diffusion-reaction inverse example with a closed-form solution):
// -lambda u_xx + k(x) u = f on [0, 1], u(0) = u(1) = 1, with k unknown. The data are u at 25
// points, made by
//   pdec reference exact examples/inverse_coefficient.pde --grid "x = 0..1:25" \
//     --out examples/inverse_coefficient_data.csv
problem inverse_coefficient

const lambda = 0.01

space   x in [0, 1]
unknown u(x)
unknown coef k(x) in [0.01, 2]  // identified: never outside [0.01, 2]

fn u_true(x) = 1 + 0.5 * sin(2 * pi * x)
fn k_true(x) = 0.1 + exp(-0.5 * (x - 0.5)^2 / 0.15^2)
fn f(x) = 2 * lambda * pi^2 * sin(2 * pi * x) + k_true(x) * u_true(x)

pde      -lambda * d(u, x, x) + k * u = f(x)
boundary x = 0: u = 1
boundary x = 1: u = 1
exact    u = u_true(x)
exact    k = k_true(x)

observe u from "inverse_coefficient_data.csv" weight 10

solve {
  net   = mlp(layers = 3, width = 32)
  steps = 5000
  batch = 256
  lr    = 1e-2
}
