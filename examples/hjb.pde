// Hamilton-Jacobi-Bellman equation in 100 dimensions (Han, Jentzen & E, PNAS 2018).
// u(0, 0) is about 4.5901 (Monte Carlo reference via the Cole-Hopf transform).
problem hjb

const d      = 100
const lambda = 1

time    t in [0, 1]
space   x in [-3, 3]^d  // sampling box around the origin
unknown u(t, x)
boundary none

pde      d(u, t) + lap(u) - lambda * norm2(grad(u)) = 0
terminal u = log((1 + norm(x)^2) / 2)

report u(0, x = 0)
