// Poisson's equation on an L-shaped domain: the square [0, 2]^2 without its upper right
// quarter. Manufactured solution u = sin(pi x1) sin(pi x2), which vanishes on every side of
// the L (all at x1 or x2 in {0, 1, 2}).
problem lshape

space   x in [0, 2]^2 - box([1, 2]^2) as notch
unknown u(x)

pde      -lap(u) = 2 * pi^2 * sin(pi * x[1]) * sin(pi * x[2])
boundary on(x): u = 0
exact    u = sin(pi * x[1]) * sin(pi * x[2])

report u(x = [0.5, 0.5])
report u(x = [1.5, 0.5])
