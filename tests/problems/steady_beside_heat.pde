// A time-dependent unknown beside a steady one (issue 34): p(x) solves its own equation
// and feeds u(t, x)'s as a source. Manufactured: p = sin(pi x), u = exp(-t) sin(pi x), so
// u_t - 0.1 u_xx - p = (0.1 pi^2 - 1) exp(-t) sin(pi x) - sin(pi x).
problem steady_beside_heat
time    t in [0, 1]
space   x in [0, 1]
unknown u(t, x)
unknown p(x)
pde      u: d(u, t) = 0.1 * d(u, x, x) + p + (0.1 * pi^2 - 1) * exp(-t) * sin(pi * x) - sin(pi * x)
pde      p: d(p, x, x) = -pi^2 * sin(pi * x)
initial  u = sin(pi * x)
boundary on(x): u = 0
boundary on(x): p = 0
exact    u = exp(-t) * sin(pi * x)
exact    p = sin(pi * x)
report u(0.5, 0.5)
report p(0.5)
