// A starter problem: the heat equation on [0, 1], which has a closed-form solution.
//   pdec check heat.pde      accepts the file or explains what is wrong
//   pdec explain heat.pde    shows the training plan (inputs, loss terms, derivatives)
//   pdec solve heat.pde      trains a network (`--set steps=200` for a quick try)
// A statement starts with its keyword at the beginning of a line; indent the lines that
// continue it. Comments are `// to the end of the line` and `/* blocks */`.
problem heat

// Constants are evaluated at compile time; `pi` and `e` are built in.
const k = 0.1  // diffusivity

// The network's inputs: the time variable and a space variable, with their ranges
// (each is rescaled to [-1, 1] before the network). `space x in [0, 1]^3` is a 3-D box.
time  t in [0, 1]
space x in [0, 1]

// The unknown, and the variables it depends on.
unknown u(t, x)

// The equation: `d(u, t)` is du/dt, `d(u, x, x)` the second derivative in x.
pde d(u, t) = k * d(u, x, x)

// Conditions: each one is a named loss term (see `pdec explain`).
initial  u = sin(pi * x)
boundary x = 0: u = 0
boundary x = 1: u = 0

// The closed form, if you know it: relative L2 and max errors are printed after training.
exact u = exp(-k * pi^2 * t) * sin(pi * x)

// Values of the trained solution to print at the end.
report u(0.5, x = 0.5)

// Solver settings (all optional); override any of them with `--set key=value`.
solve {
  net   = mlp(layers = 3, width = 32)  // or dgm(layers = 3, width = 50), the DGM paper's
  steps = 2000
  batch = 256  // points per step for the equation
  lr    = 1e-2
  clip  = 1  // gradient-norm clipping
}
