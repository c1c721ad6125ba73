// tests/problems/coupled_heat.pde written with a vector unknown (issue 34): U = (u, v),
// U_t = D lap(U) + (a U[2], b U[1]) with D = 0.1, a = 0.5, b = 2; one vector equation,
// vector conditions and a vector exact solution, each split into its components.
problem coupled_heat_vector
time    t in [0, 1]
space   x in [0, 1]
unknown U(t, x)[2]
pde      d(U, t) = 0.1 * lap(U) + [0.5 * U[2], 2 * U[1]]
initial  U = [sin(pi * x), 2 * sin(pi * x)]
boundary on(x): U = 0
exact    U = [exp((1 - 0.1 * pi^2) * t) * sin(pi * x), 2 * exp((1 - 0.1 * pi^2) * t) * sin(pi * x)]
report U(0.5, 0.5)
