// Heat equation in the 10-dimensional unit ball with a closed-form solution.
problem heat_ball

const d = 10

time    t in [0, 1]
space   x in ball(d, center = 0, radius = 1)
unknown u(t, x)

pde      d(u, t) = lap(u)
initial  u = norm(x)^2 / d
boundary on(x): u = 1 / d + 2 * t
exact    u = norm(x)^2 / d + 2 * t  // enables error metrics after training

report u(0.5, x = 0)
