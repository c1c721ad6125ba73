// Hamilton-Jacobi-Bellman equation in 100 dimensions (Han, Jentzen & E, PNAS 2018).
// u(0, 0) is about 4.5901 (`pdec reference hjb`: Monte Carlo via the Cole-Hopf transform).
problem hjb

const d      = 100
const lambda = 1

time    t in [0, 1]
space   x in [-5, 5]^d  // sampling box around the origin
unknown u(t, x)
boundary none

// lap(u) is estimated by Monte Carlo and so is |grad u|^2 (`pdec explain`): a step costs
// a few network passes instead of one tangent per dimension.
pde      d(u, t) + lap(u) - lambda * norm2(grad(u)) = 0
terminal u = log((1 + norm(x)^2) / 2)

report u(0, x = 0)

solve {
}
