// A coupled reaction-diffusion system in 10 dimensions (issue 34) with a manufactured
// solution, each equation's Laplacian estimated by the Monte Carlo path:
//   u_t = lap(u) + v - u^2 + f1,   v_t = 0.5 lap(v) + u v + f2
// with u = 1 + exp(-t) a(x), v = exp(-t / 2) (1 + b(x)), a = mean(sin(pi x))
// (lap a = -pi^2 a) and b = |x|^2 / d (lap b = 2); f1 and f2 are the equations' remainders
// at (u, v): f1 = (pi^2 - 1) exp(-t) a - v + u^2, f2 = -exp(-t / 2) ((1 + b) / 2 + 1) - u v.
problem reaction_diffusion

const d = 10

fn a(x) = mean(sin(pi * x))
fn b(x) = norm(x)^2 / d
fn U(t, x) = 1 + exp(-t) * a(x)
fn V(t, x) = exp(-t / 2) * (1 + b(x))

time    t in [0, 1]
space   x in [0, 1]^d
unknown u(t, x), v(t, x)

pde      d(u, t) = lap(u) + v - u^2 + (pi^2 - 1) * exp(-t) * a(x) - V(t, x) + U(t, x)^2
pde      d(v, t) = 0.5 * lap(v) + u * v - exp(-t / 2) * ((1 + b(x)) / 2 + 1) - U(t, x) * V(t, x)
initial  u = U(0, x)
initial  v = V(0, x)
boundary on(x): u = U(t, x)
boundary on(x): v = V(t, x)
exact    u = U(t, x)
exact    v = V(t, x)

solve {
  net          = mlp(layers = 3, width = 64)
  second_order = monte_carlo(delta = 1e-3)
  steps        = 3000
  batch        = 512
  lr           = 1e-2
  clip         = 1
}
