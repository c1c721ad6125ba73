// Two coupled heat equations (issue 34): u_t = D u_xx + a v, v_t = D v_xx + b u with
// D = 0.1, a = 0.5, b = 2. The mode sin(pi x) with v = 2 u grows or decays at
// lambda = a * 2 - D * pi^2 = 1 - 0.1 pi^2 in both.
problem coupled_heat
time t in [0, 1]
space x in [0, 1]
unknown u(t, x), v(t, x)
pde d(u, t) = 0.1 * d(u, x, x) + 0.5 * v
pde d(v, t) = 0.1 * d(v, x, x) + 2 * u
initial u = sin(pi * x)
initial v = 2 * sin(pi * x)
boundary on(x): u = 0
boundary on(x): v = 0
exact u = exp((1 - 0.1 * pi^2) * t) * sin(pi * x)
exact v = 2 * exp((1 - 0.1 * pi^2) * t) * sin(pi * x)
report u(0.5, 0.5)
report v(0.5, 0.5)
