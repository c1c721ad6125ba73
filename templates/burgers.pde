// A starter problem: the viscous Burgers' equation on [-1, 1], a nonlinear equation whose
// solution steepens into a shock. `pdec reference burgers --out burgers_reference.csv`
// tabulates the exact (Cole-Hopf) solution; add `reference "burgers_reference.csv"` to
// measure the error against it after training.
problem burgers

// A constant may use other constants and `pi`.
const nu = 0.01 / pi  // viscosity

time    t in [0, 1]
space   x in [-1, 1]
unknown u(t, x)

// Nonlinear terms are written as on paper: `u * d(u, x)` is u u_x.
pde d(u, t) + u * d(u, x) = nu * d(u, x, x)

// One condition per face of the space interval; `boundary on(x): u = 0` would cover both.
initial  u = -sin(pi * x)
boundary x = -1: u = 0
boundary x = 1: u = 0

// A report names every argument, by position or by name.
report u(0.5, x = 0.5)

solve {
  net        = mlp(layers = 4, width = 50)
  steps      = 5000
  batch      = 1024
  lr         = 3e-3
  clip       = 1
  time_limit = 600  // seconds: training stops at whichever comes first
}
