// Viscous Burgers' equation for a whole family of set-ups (DGM paper, section 6):
// one network solves it for every viscosity, advection strength and pair of end values.
problem burgers_family

param nu    in [0.01, 0.1]  // viscosity
param alpha in [0.01, 1]    // advection strength
param a     in [-1, 1]      // value at the left end
param b     in [-1, 1]      // value at the right end

time    t in [0, 1]
space   x in [0, 1]
unknown u(t, x)
ansatz u = a + (b - a) * x + t * net

pde      d(u, t) = nu * d(u, x, x) - alpha * u * d(u, x)
initial  u = a + (b - a) * x
boundary x = 0: u = a
boundary x = 1: u = b

report u(1, x = 0.5, nu = 0.05, alpha = 0.5, a = -1, b = 1)

// Finite-difference solutions at five parameter points over the whole box, t = 0, 0.1, ..., 1:
// the run reports the relative L2 error at each.
reference "burgers_family_reference.csv"  // written by `pdec reference burgers-family --out ...`

// Every parameter drawn with more points at both ends of its range: the box's corners,
// where the steepest fronts form (nu = 0.01, alpha = 1), are what uniform draws miss.
// Against uniform draws, 20,000 steps: the whole table's error 0.074 against 0.149; with
// `--set steps=50000` (81 minutes on 2 cores) 0.027, three of the five points inside 1e-2
// (docs/RESULTS.md, section "Parametric Burgers family").
solve {
  steps          = 20000
  batch          = 2048
  sampling.nu    = arcsine
  sampling.alpha = arcsine
  sampling.a     = arcsine
  sampling.b     = arcsine
}
