// Issue 40's failure as a user writes it: the heat equation in 100 dimensions, defaults. The PDE's
// gradient swamps the conditions' at the start (`balance = auto` turns balancing on).
problem heat100
const d = 100
time    t in [0, 1]
space   x in [-1, 1]^d
unknown u(t, x)
pde      d(u, t) = lap(u)
initial  u = norm2(x) / d
boundary on(x): u = norm2(x) / d + 2 * t
exact    u = norm2(x) / d + 2 * t
