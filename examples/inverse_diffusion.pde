// Diffusion with an unknown diffusivity, identified from measurements (DeepXDE's diffusion
// inverse example): u_t = C u_xx + f on [-1, 1] x [0, 1] with u = exp(-t) sin(pi x) when
// C = 1, the value written into the source f. The data are u at ten points at t = 1, made by
//   pdec reference exact examples/inverse_diffusion.pde --grid "t = 1, x = -1..1:10" \
//     --out examples/inverse_diffusion_data.csv
problem inverse_diffusion

time    t in [0, 1]
space   x in [-1, 1]
unknown u(t, x)
unknown const C in [0.1, 10] init 2 log  // identified: never outside [0.1, 10]

fn f(t, x) = -exp(-t) * (sin(pi * x) - pi^2 * sin(pi * x))

pde      d(u, t) = C * d(u, x, x) + f(t, x)
initial  u = sin(pi * x)
boundary x = -1: u = 0
boundary x = 1: u = 0
exact    u = exp(-t) * sin(pi * x)

observe u from "inverse_diffusion_data.csv"

solve {
  net   = mlp(layers = 3, width = 32)
  steps = 6000
  batch = 256
  lr    = 3e-3
}
